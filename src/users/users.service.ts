import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Clock } from '../common/clock/clock';
import { Role, User } from './user.model';
import { UsersRepository } from './users.repository';

export { AdminExistsError, LastAdminError, UsernameTakenError, UserNotFoundError } from './user-errors';

export interface NewUser {
  username: string;
  passwordHash: string;
  role: Role;
  invitedBy?: string | null;
  inviteCode?: string | null;
}

/**
 * Account lifecycle shared by registration, setup, the admin panel and the CLI. The rules that need the
 * whole table (unique usernames, the last admin) are enforced atomically by the repository.
 */
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
    return this.users.createUser(
      {
        id: randomUUID(),
        username: input.username,
        passwordHash: input.passwordHash,
        role: input.role,
        createdAt: this.clock.now().toISOString(),
        invitedBy: input.invitedBy ?? null,
        inviteCode: input.inviteCode ?? null,
      },
      options,
    );
  }

  recordLogin(id: string, newPasswordHash?: string): Promise<void> {
    return this.users.touchLastLogin(id, this.clock.now().toISOString(), newPasswordHash);
  }

  /** Sets a new password hash and ends every session of the user (returns the new version). */
  setPasswordHash(id: string, passwordHash: string): Promise<number> {
    return this.users.setPasswordHash(id, passwordHash);
  }

  /** "Sign out everywhere". */
  endAllSessions(username: string): Promise<User> {
    return this.users.endAllSessions(username);
  }

  setDisabled(username: string, disabled: boolean): Promise<User> {
    return this.users.setDisabled(username, disabled);
  }

  setRole(username: string, role: Role): Promise<User> {
    return this.users.setRole(username, role);
  }

  setDailyDrafts(username: string, dailyDrafts: number | null): Promise<User> {
    return this.users.setDailyDrafts(username, dailyDrafts);
  }

  delete(username: string): Promise<User> {
    return this.users.deleteUser(username);
  }
}
