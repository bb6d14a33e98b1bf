import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AppConfig } from '../../config/app-config';
import { InstanceSecrets } from '../secrets/instance-secrets';

/**
 * SESSION_SECRET, or the one generated once for the instance and kept by InstanceSecrets (files:
 * DATA_DIR/.session-secret; postgres: the database, shared by every host). Loaded once, at start of
 * the web app (SessionMiddleware's init), then read synchronously. A module that imports it but never
 * loads it (the CLI's reset-2fa) reads and creates nothing. The value is never logged.
 */
@Injectable()
export class SessionSecretService {
  private loaded: string | undefined;
  private loading: Promise<string> | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly secrets: InstanceSecrets,
  ) {}

  /** Reads (or generates and keeps) the secret once; later calls return the same value. */
  load(): Promise<string> {
    if (this.config.sessionSecret) return Promise.resolve(this.config.sessionSecret);
    this.loading ??= this.secrets
      .getOrCreate('session_secret', () => randomBytes(48).toString('base64url'))
      .then((secret) => (this.loaded = secret))
      .finally(() => {
        if (this.loaded === undefined) this.loading = undefined; // failed: the next call tries again
      });
    return this.loading;
  }

  /** The secret; `load()` must have completed first (it has, once the app is initialised). */
  get secret(): string {
    const secret = this.config.sessionSecret ?? this.loaded;
    if (secret === undefined) throw new Error('SessionSecretService.secret read before load() completed');
    return secret;
  }
}
