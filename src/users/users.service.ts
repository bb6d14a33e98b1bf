import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Clock } from '../common/clock/clock';
import { FormError } from '../common/errors/form-error';
import { Role, User, UserRecord } from './user.model';
import { toUser, UsersRepository } from './users.repository';

export class UsernameTakenError extends FormError {
  constructor() {
    super('That username is taken.', { username: ['That username is taken.'] }, 409);
  }
}

export class LastAdminError extends FormError {
  constructor() {
    super('The last admin cannot be disabled, demoted or deleted.', {}, 400);
  }
}

export class UserNotFoundError extends FormError {
  constructor() {
    super('No such user.', {}, 404);
  }
}

export interface NewUser {
  username: string;
  passwordHash: string;
  role: Role;
  invitedBy?: string | null;
  inviteCode?: string | null;
}

/** Account lifecycle rules shared by registration, setup, the admin panel and the CLI. */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly clock: Clock,
  ) {}

  findById(id: string): Promise<User | undefined> {
    return this.users.findById(id);
  }

  findByUsername(username: string): Promise<User | undefined> {
    return this.users.findByUsername(username);
  }

  list(): Promise<User[]> {
    return this.users.list();
  }

  async hasAdmin(): Promise<boolean> {
    return (await this.users.countAdmins()) > 0;
  }

  /** Creates the account; refuses a username taken case-insensitively (409). */
  create(input: NewUser, options: { onlyIfNoAdmin?: boolean } = {}): Promise<User> {
    const record: UserRecord = {
      id: randomUUID(),
      username: input.username,
      password_hash: input.passwordHash,
      role: input.role,
      created_at: this.clock.now().toISOString(),
      disabled: false,
      invited_by: input.invitedBy ?? null,
      invite_code: input.inviteCode ?? null,
      last_login_at: null,
      session_version: 0,
    };
    return this.users.mutate((users, find) => {
      if (options.onlyIfNoAdmin && users.some((u) => u.role === 'admin')) throw new AdminExistsError();
      if (find(input.username)) throw new UsernameTakenError();
      users.push(record);
      return toUser(record);
    });
  }

  recordLogin(id: string, newPasswordHash?: string): Promise<void> {
    return this.change(id, (record) => {
      record.last_login_at = this.clock.now().toISOString();
      if (newPasswordHash) record.password_hash = newPasswordHash;
    });
  }

  /** Sets a new password hash and ends every session of the user (returns the new version). */
  setPasswordHash(id: string, passwordHash: string): Promise<number> {
    return this.change(id, (record) => {
      record.password_hash = passwordHash;
      record.session_version = (record.session_version ?? 0) + 1;
      return record.session_version;
    });
  }

  /** "Sign out everywhere". */
  endAllSessions(username: string): Promise<User> {
    return this.changeByName(username, (record) => {
      record.session_version = (record.session_version ?? 0) + 1;
    });
  }

  setDisabled(username: string, disabled: boolean): Promise<User> {
    return this.changeByName(username, (record, users) => {
      if (disabled) assertNotLastAdmin(record, users);
      record.disabled = disabled;
    });
  }

  setRole(username: string, role: Role): Promise<User> {
    return this.changeByName(username, (record, users) => {
      if (role !== 'admin') assertNotLastAdmin(record, users);
      record.role = role;
    });
  }

  setDailyDrafts(username: string, dailyDrafts: number | null): Promise<User> {
    return this.changeByName(username, (record) => {
      record.daily_drafts = dailyDrafts;
    });
  }

  delete(username: string): Promise<User> {
    return this.users.mutate((users, find) => {
      const record = find(username);
      if (!record) throw new UserNotFoundError();
      assertNotLastAdmin(record, users);
      users.splice(users.indexOf(record), 1);
      return toUser(record);
    });
  }

  private change<R>(id: string, apply: (record: UserRecord) => R): Promise<R> {
    return this.users.mutate((users) => {
      const record = users.find((u) => toUser(u).id === id);
      if (!record) throw new UserNotFoundError();
      return apply(record);
    });
  }

  private changeByName(username: string, apply: (record: UserRecord, users: UserRecord[]) => void): Promise<User> {
    return this.users.mutate((users, find) => {
      const record = find(username);
      if (!record) throw new UserNotFoundError();
      apply(record, users);
      return toUser(record);
    });
  }
}

export class AdminExistsError extends FormError {
  constructor() {
    super('An admin already exists.', {}, 409);
  }
}

/** An enabled admin must remain: refuse to disable, demote or delete the last one. */
function assertNotLastAdmin(record: UserRecord, users: UserRecord[]): void {
  if (record.role !== 'admin' || record.disabled) return;
  const otherEnabledAdmins = users.filter((u) => u !== record && u.role === 'admin' && !u.disabled).length;
  if (otherEnabledAdmins === 0) throw new LastAdminError();
}
