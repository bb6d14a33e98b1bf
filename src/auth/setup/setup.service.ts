import { Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../../common/errors/domain-error';
import { AppConfig } from '../../config/app-config';
import { InstanceSecrets } from '../secrets/instance-secrets';
import { FirstAdminService } from '../../users/first-admin.service';
import { AdminExistsError } from '../../users/user-errors';
import { User } from '../../users/user.model';

export { BOOTSTRAP_USERNAME } from '../../users/first-admin.service';

export const SETUP_TOKEN_INVALID = 'The setup token is not valid.';

/** /admin/setup once an admin exists: the page stops existing (a 404 page, not the form again). */
export class SetupClosedError extends DomainError {
  constructor() {
    super('not_found', 'Not found', { formless: true });
  }
}

/**
 * /admin/setup (SPEC §6.1). The setup token is ADMIN_SETUP_TOKEN or a random one generated for the
 * instance and printed with the full URL (the token is the one secret the operator must see). In
 * files mode it lives as long as the process (the cluster primary shares one with its workers); in
 * postgres mode its SHA-256 is kept in the database, so every host accepts the same token while none
 * stores it (InstanceSecrets).
 * The account itself is made by FirstAdminService, the path the bootstrap and the CLI share.
 */
@Injectable()
export class SetupService implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger('Setup');
  /** The token in the clear: known to the process that generated it (or from ADMIN_SETUP_TOKEN) only. */
  private token: string | undefined;
  /** SHA-256 (hex) of the token every process of the instance accepts. */
  private tokenHash: string | undefined;

  constructor(
    private readonly firstAdmin: FirstAdminService,
    private readonly config: AppConfig,
    private readonly secrets: InstanceSecrets,
  ) {}

  /**
   * Only the token's hash is shared (kept by InstanceSecrets: the process in files mode, the database
   * in postgres mode), so the store never holds a usable token: the process whose candidate won prints
   * it, the others accept it.
   */
  async onModuleInit(): Promise<void> {
    if (this.config.adminSetupToken) {
      this.token = this.config.adminSetupToken;
      this.tokenHash = sha256(this.token);
      return;
    }
    const candidate = this.config.generatedSetupToken ?? randomBytes(24).toString('base64url');
    this.tokenHash = await this.secrets.getOrCreate('setup_token_sha256', () => sha256(candidate));
    this.token = this.tokenHash === sha256(candidate) ? candidate : undefined;
  }

  async onApplicationBootstrap(): Promise<void> {
    // Only processes that serve pages announce the setup URL (not the job runner, not the CLI).
    const role = this.config.processRole;
    if (role !== 'all' && role !== 'web') return;
    if (role === 'web' && this.config.workerIndex !== 1) return; // say it once per cluster
    if (await this.firstAdmin.hasAdmin()) return;
    const base = this.config.publicUrl ?? `http://${this.config.host}:${this.config.port}`;
    if (this.config.adminSetupToken) {
      this.logger.log(`No admin yet. Open ${base}/admin/setup?token=<ADMIN_SETUP_TOKEN> to create one.`);
    } else if (this.token) {
      this.logger.log(`No admin yet. Open ${base}/admin/setup?token=${this.token} to create one.`);
    } else {
      this.logger.log(
        `No admin yet. Open ${base}/admin/setup with the setup token printed by the process that generated it ` +
          '(it is shared through the database, as a hash only), or set ADMIN_SETUP_TOKEN.',
      );
    }
    this.logger.log('Or run: npm run cli -- create-admin <username>');
    if (this.config.adminBootstrapPassword) {
      this.logger.log('ADMIN_BOOTSTRAP_PASSWORD is set: any logged-in user can create "admin" from /admin.');
    }
  }

  /** SetupClosedError (404) once an admin exists: the page stops existing. */
  async assertOpen(): Promise<void> {
    if (await this.firstAdmin.hasAdmin()) throw new SetupClosedError();
  }

  tokenMatches(candidate: string | undefined): boolean {
    if (!candidate || this.tokenHash === undefined) return false;
    // Hashes on both sides: lengths match and the comparison is constant-time.
    return timingSafeEqual(Buffer.from(sha256(candidate), 'hex'), Buffer.from(this.tokenHash, 'hex'));
  }

  /** Checks that the page is open and the token right (403 on the token field), then makes the admin. */
  async createFirstAdmin(token: string | undefined, username: string, password: string, ip: string): Promise<User> {
    await this.assertOpen();
    if (!this.tokenMatches(token)) throw new DomainError('forbidden', SETUP_TOKEN_INVALID, { field: 'token' });
    return this.firstAdmin
      .create(username, password, (user) => ({ event: 'admin.setup', context: { actor: user.username, ip } }))
      .catch((error: unknown) => {
        if (error instanceof AdminExistsError) throw new SetupClosedError();
        throw error;
      });
  }
}

function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}
