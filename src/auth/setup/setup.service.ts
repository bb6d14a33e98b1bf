import { Injectable, Logger, NotFoundException, OnApplicationBootstrap } from '@nestjs/common';
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { AuditService } from '../../audit/audit.service';
import { AppConfig } from '../../config/app-config';
import { FormError } from '../../common/errors/form-error';
import { PasswordHasher } from '../../users/passwords/password-hasher';
import { User } from '../../users/user.model';
import { AdminExistsError, UsersService } from '../../users/users.service';

export const BOOTSTRAP_USERNAME = 'admin';

/**
 * First-admin paths (SPEC §6.1, §6.2). The setup token is ADMIN_SETUP_TOKEN or a random one made at
 * start-up and printed with the full URL (the token is the one secret the operator must see).
 */
@Injectable()
export class SetupService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Setup');
  private readonly token: string;

  constructor(
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {
    this.token = config.adminSetupToken ?? config.generatedSetupToken ?? randomBytes(24).toString('base64url');
  }

  async onApplicationBootstrap(): Promise<void> {
    // Only processes that serve pages announce the setup URL (not the job runner, not the CLI).
    const role = this.config.processRole;
    if (role !== 'all' && role !== 'web') return;
    if (role === 'web' && this.config.workerIndex !== 1) return; // say it once per cluster
    if (await this.users.hasAdmin()) return;
    const base = this.config.publicUrl ?? `http://${this.config.host}:${this.config.port}`;
    if (this.config.adminSetupToken) {
      this.logger.log(`No admin yet. Open ${base}/admin/setup?token=<ADMIN_SETUP_TOKEN> to create one.`);
    } else {
      this.logger.log(`No admin yet. Open ${base}/admin/setup?token=${this.token} to create one.`);
    }
    this.logger.log('Or run: npm run cli -- create-admin <username>');
    if (this.config.adminBootstrapPassword) {
      this.logger.log('ADMIN_BOOTSTRAP_PASSWORD is set: any logged-in user can create "admin" from /admin.');
    }
  }

  /** 404 once an admin exists: the page stops existing. */
  async assertOpen(): Promise<void> {
    if (await this.users.hasAdmin()) throw new NotFoundException('Not found');
  }

  tokenMatches(candidate: string | undefined): boolean {
    if (!candidate) return false;
    // Hash both sides so lengths match and the comparison is constant-time.
    const digest = (value: string) => createHash('sha256').update(value).digest();
    return timingSafeEqual(digest(candidate), digest(this.token));
  }

  async createFirstAdmin(username: string, password: string, ip: string): Promise<User> {
    await this.assertOpen();
    const passwordHash = await this.hasher.hash(password);
    const user = await this.users
      .create({ username, passwordHash, role: 'admin' }, { onlyIfNoAdmin: true })
      .catch((error) => {
        if (error instanceof AdminExistsError) throw new NotFoundException('Not found');
        throw error;
      });
    await this.audit.record('admin.setup', { actor: user.username, ip });
    return user;
  }

  get bootstrapAvailable(): boolean {
    return !!this.config.adminBootstrapPassword;
  }

  /** §6.2: creates user "admin" with ADMIN_BOOTSTRAP_PASSWORD while no admin exists. */
  async bootstrap(actor: User, ip: string): Promise<User> {
    const password = this.config.adminBootstrapPassword;
    if (!password) throw new NotFoundException('Not found');
    if (await this.users.hasAdmin()) throw new FormError('An admin already exists.', {}, 409);
    const passwordHash = await this.hasher.hash(password);
    const user = await this.users
      .create({ username: BOOTSTRAP_USERNAME, passwordHash, role: 'admin' }, { onlyIfNoAdmin: true })
      .catch((error) => {
        if (error instanceof AdminExistsError) throw new FormError('An admin already exists.', {}, 409);
        throw error;
      });
    await this.audit.record('admin.bootstrap', { actor: actor.username, ip, created: user.username });
    return user;
  }
}
