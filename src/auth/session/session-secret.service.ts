import { Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AppConfig } from '../../config/app-config';
import { PRIVATE_FILE_MODE } from '../../persistence/json/private-files';

export const SESSION_SECRET_FILE = '.session-secret';

/**
 * SESSION_SECRET, or one generated once and kept in DATA_DIR/.session-secret (0600) so restarts keep
 * sessions. Created with O_EXCL so concurrent workers agree on one value. The value is never logged.
 */
@Injectable()
export class SessionSecretService {
  private readonly logger = new Logger('Session');
  private cached: string | undefined;

  constructor(private readonly config: AppConfig) {}

  get secret(): string {
    this.cached ??= this.config.sessionSecret ?? this.loadOrCreate();
    return this.cached;
  }

  private loadOrCreate(): string {
    const file = path.join(this.config.dataDir, SESSION_SECRET_FILE);
    try {
      fs.writeFileSync(file, randomBytes(48).toString('base64url'), { flag: 'wx', mode: PRIVATE_FILE_MODE });
      this.logger.warn(`SESSION_SECRET is not set: generated one and stored it in ${file} (mode 0600)`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      this.logger.warn(`SESSION_SECRET is not set: using the one stored in ${file}`);
    }
    const secret = fs.readFileSync(file, 'utf8').trim();
    if (secret.length < 32) throw new Error(`${file} holds a session secret shorter than 32 characters`);
    return secret;
  }
}
