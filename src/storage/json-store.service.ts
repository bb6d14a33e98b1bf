import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AppConfig } from '../config/app-config';
import { CrossProcessMutex } from './cross-process-mutex';
import { JsonFile, JsonFileOptions } from './json-file';

/**
 * The only way the app touches its JSON files: hands out one JsonFile per path under DATA_DIR
 * (so every repository shares the same cache, queue and lock for a file) and flushes them on shutdown.
 */
@Injectable()
export class JsonStore implements OnModuleInit, OnApplicationShutdown {
  private readonly files = new Map<string, JsonFile<unknown>>();
  private readonly mutexes = new Map<string, CrossProcessMutex>();

  constructor(private readonly config: AppConfig) {
    fs.mkdirSync(config.dataDir, { recursive: true });
  }

  get dataDir(): string {
    return this.config.dataDir;
  }

  /** Absolute path of a file under DATA_DIR; `relative` must come from code, never from a request. */
  resolve(relative: string): string {
    const absolute = path.resolve(this.config.dataDir, relative);
    if (!absolute.startsWith(this.config.dataDir + path.sep)) throw new Error(`Path escapes DATA_DIR: ${relative}`);
    return absolute;
  }

  file<T>(relative: string, options: JsonFileOptions<T>): JsonFile<T> {
    const absolute = this.resolve(relative);
    let file = this.files.get(absolute) as JsonFile<T> | undefined;
    if (!file) {
      file = new JsonFile<T>(absolute, options);
      this.files.set(absolute, file as JsonFile<unknown>);
    }
    return file;
  }

  /** A named critical section shared by every process on this DATA_DIR (lock under DATA_DIR/locks/). */
  mutex(name: string): CrossProcessMutex {
    let mutex = this.mutexes.get(name);
    if (!mutex) {
      mutex = new CrossProcessMutex(this.resolve(`locks/${name}.lock`));
      this.mutexes.set(name, mutex);
    }
    return mutex;
  }

  /** Forget a cached file (e.g. a deleted job folder). */
  forget(relative: string): void {
    this.files.delete(this.resolve(relative));
  }

  /**
   * Every file a repository registered in its constructor is parsed before the app starts: a corrupt
   * one stops start-up with its name instead of failing requests later. Missing files are left to
   * their owners (some are rebuilt when missing, others created with their empty shape).
   */
  async onModuleInit(): Promise<void> {
    for (const file of this.files.values()) await file.readIfExists();
  }

  async flush(): Promise<void> {
    await Promise.all([...this.files.values()].map((file) => file.flush()));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush();
  }
}
