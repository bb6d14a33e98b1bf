import { Injectable } from '@nestjs/common';
import { AuditContext, AuditEventName } from '../audit/audit-event';
import { AuditService } from '../audit/audit.service';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { PasswordHasher } from './passwords/password-hasher';
import { AdminExistsError } from './user-errors';
import { User } from './user.model';
import { UsersService } from './users.service';

export const BOOTSTRAP_USERNAME = 'admin';

/** How the path that created the first admin is audited (each entry point names itself). */
export type FirstAdminAudit = (created: User) => { event: AuditEventName; context: AuditContext };

/**
 * The one way the first admin is made (SPEC §6): /admin/setup, the ADMIN_BOOTSTRAP_PASSWORD bootstrap
 * and `cli create-admin` all come here. The account is created only while no admin exists, checked
 * atomically with the write (two racing setups make one admin; the other gets AdminExistsError).
 */
@Injectable()
export class FirstAdminService {
  constructor(
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  hasAdmin(): Promise<boolean> {
    return this.users.hasAdmin();
  }

  /** Throws AdminExistsError (409) once an admin exists, UsernameTakenError (409) for a taken name. */
  async create(username: string, password: string, audit: FirstAdminAudit): Promise<User> {
    const passwordHash = await this.hasher.hash(password);
    const user = await this.users.create({ username, passwordHash, role: 'admin' }, { onlyIfNoAdmin: true });
    const { event, context } = audit(user);
    await this.audit.record(event, context);
    return user;
  }

  /** §6.2: the bootstrap exists only while ADMIN_BOOTSTRAP_PASSWORD is set. */
  get bootstrapAvailable(): boolean {
    return !!this.config.adminBootstrapPassword;
  }

  /** §6.2: creates user "admin" with ADMIN_BOOTSTRAP_PASSWORD while no admin exists (UsernameTakenError if a user has that name). */
  async bootstrap(actor: User, ip: string): Promise<User> {
    const password = this.config.adminBootstrapPassword;
    if (!password) throw new DomainError('not_found', 'Not found', { formless: true });
    if (await this.users.hasAdmin()) throw new AdminExistsError();
    return this.create(BOOTSTRAP_USERNAME, password, (user) => ({
      event: 'admin.bootstrap',
      context: { actor: actor.username, ip, created: user.username },
    }));
  }
}
