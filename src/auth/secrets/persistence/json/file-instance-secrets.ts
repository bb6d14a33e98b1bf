import { Injectable, Logger } from '@nestjs/common';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AppConfig } from '../../../../config/app-config';
import { PRIVATE_FILE_MODE } from '../../../../persistence/json/private-files';
import { InstanceSecretName, InstanceSecrets } from '../../instance-secrets';

export const SESSION_SECRET_FILE = '.session-secret';
/** A kept session secret shorter than this is refused (someone edited the file). */
export const MIN_SECRET_LENGTH = 32;

/**
 * Files mode (one host): the session secret in DATA_DIR/.session-secret (0600), created with O_EXCL so
 * concurrent workers agree on one value and restarts keep sessions. The setup token is not kept on
 * disk: it lives as long as the process (the cluster primary hands one to its workers through the
 * environment; see main.ts), as it always has in files mode.
 */
@Injectable()
export class FileInstanceSecrets extends InstanceSecrets {
  private readonly logger = new Logger('Session');
  private readonly inProcess = new Map<InstanceSecretName, string>();

  constructor(private readonly config: AppConfig) {
    super();
  }

  getOrCreate(name: InstanceSecretName, candidate: () => string): Promise<string> {
    try {
      if (name === 'session_secret') return Promise.resolve(this.sessionSecret(candidate));
      if (!this.inProcess.has(name)) this.inProcess.set(name, candidate());
      return Promise.resolve(this.inProcess.get(name) as string);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private sessionSecret(candidate: () => string): string {
    const file = path.join(this.config.dataDir, SESSION_SECRET_FILE);
    if (fs.existsSync(file)) {
      this.logger.warn(`SESSION_SECRET is not set: using the one stored in ${file}`);
    } else {
      try {
        fs.writeFileSync(file, candidate(), { flag: 'wx', mode: PRIVATE_FILE_MODE });
        this.logger.warn(`SESSION_SECRET is not set: generated one and stored it in ${file} (mode 0600)`);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        this.logger.warn(`SESSION_SECRET is not set: using the one stored in ${file}`);
      }
    }
    const secret = fs.readFileSync(file, 'utf8').trim();
    if (secret.length < MIN_SECRET_LENGTH) {
      throw new Error(`${file} holds a session secret shorter than ${MIN_SECRET_LENGTH} characters`);
    }
    return secret;
  }
}
