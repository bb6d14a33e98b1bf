import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AppConfig } from '../../config/app-config';
import { CrossProcessMutex } from './cross-process-mutex';
import { JsonFile, JsonFileOptions } from './json-file';
import { PRIVATE_DIR_MODE, tightenPermissions } from './private-files';

/** One of many similar small files (a job's job.json, its manifest): kept in a bounded cache. */
export interface TransientFileOption {
  transient?: boolean;
}

/** Relative paths made of plain names only (none starting with a dot): no `.`, `..`, empty or absolute part. */
const SIMPLE_RELATIVE = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(?:\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;

/** How many transient files stay cached per process; the least recently used idle ones are dropped. */
export const MAX_TRANSIENT_FILES = 1000;

/**
 * The only way the app touches its JSON files: hands out one JsonFile per path under DATA_DIR
 * (so every repository shares the same cache, queue and lock for a file) and flushes them on shutdown.
 */
@Injectable()
export class JsonStore implements OnModuleInit, OnApplicationShutdown {
  private readonly files = new Map<string, JsonFile<unknown>>();
  /** Insertion order is recency order: a hit moves the file to the end. */
  private readonly transientFiles = new Map<string, JsonFile<unknown>>();
  private readonly mutexes = new Map<string, CrossProcessMutex>();

  /** DATA_DIR is already normal (path.resolve leaves it as is) and not the root folder. */
  private readonly simpleDataDir: boolean;

  constructor(private readonly config: AppConfig) {
    this.simpleDataDir = path.resolve(config.dataDir) === config.dataDir && !config.dataDir.endsWith(path.sep);
    fs.mkdirSync(config.dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
    // Cluster web workers start after the primary has done this for the same folder.
    if (config.processRole !== 'web') this.makePrivate();
  }

  /**
   * SPEC §7: folders 0700, files 0600. New ones are created so; this fixes what an older version, a
   * copy or a restore left readable, before any repository reads it. One line says how many, never
   * which contents.
   */
  private makePrivate(): void {
    const changed = tightenPermissions(this.config.dataDir);
    if (changed > 0) {
      new Logger('Storage').warn(
        `DATA_DIR was readable by other users: made ${changed} file(s) and folder(s) private (folders 0700, files 0600)`,
      );
    }
  }

  get dataDir(): string {
    return this.config.dataDir;
  }

  /**
   * Whether repositories create their missing files at start (the server does, so an operator sees the
   * prototype's empty files). The CLI does not: a read-only command on an empty DATA_DIR writes nothing.
   */
  get createsFilesAtStart(): boolean {
    return this.config.processRole !== 'cli';
  }

  /** Absolute path of a file under DATA_DIR; `relative` must come from code, never from a request. */
  resolve(relative: string): string {
    // Fast path (every page resolves a job's files): plain segments that cannot be `.`, `..` or empty
    // join to the same string path.resolve would give.
    if (SIMPLE_RELATIVE.test(relative) && this.simpleDataDir) {
      return `${this.config.dataDir}${path.sep}${relative.replaceAll('/', path.sep)}`;
    }
    const absolute = path.resolve(this.config.dataDir, relative);
    if (!absolute.startsWith(this.config.dataDir + path.sep)) throw new Error(`Path escapes DATA_DIR: ${relative}`);
    return absolute;
  }

  file<T>(relative: string, options: JsonFileOptions<T> & TransientFileOption): JsonFile<T> {
    const absolute = this.resolve(relative);
    if (options.transient) return this.transientFile(absolute, options);
    let file = this.files.get(absolute) as JsonFile<T> | undefined;
    if (!file) {
      file = new JsonFile<T>(absolute, options);
      this.files.set(absolute, file as JsonFile<unknown>);
    }
    return file;
  }

  /**
   * Dropping an idle file from the cache is always safe: a later instance for the same path reads it
   * again, and writes stay serialised by the cross-process lock whatever instance makes them.
   */
  private transientFile<T>(absolute: string, options: JsonFileOptions<T>): JsonFile<T> {
    let file = this.transientFiles.get(absolute) as JsonFile<T> | undefined;
    if (file) {
      this.transientFiles.delete(absolute);
    } else {
      file = new JsonFile<T>(absolute, options);
    }
    this.transientFiles.set(absolute, file as JsonFile<unknown>);
    for (const [key, candidate] of this.transientFiles) {
      if (this.transientFiles.size <= MAX_TRANSIENT_FILES) break;
      if (!candidate.busy) this.transientFiles.delete(key);
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

  /**
   * Every file a repository registered in its constructor is parsed before the app starts: a corrupt
   * one stops start-up with its name instead of failing requests later. Missing files are left to
   * their owners (some are rebuilt when missing, others created with their empty shape).
   */
  async onModuleInit(): Promise<void> {
    for (const file of this.files.values()) await file.readIfExists();
  }

  async flush(): Promise<void> {
    await Promise.all([...this.files.values(), ...this.transientFiles.values()].map((file) => file.flush()));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush();
  }
}
