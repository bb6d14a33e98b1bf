import { Injectable } from '@nestjs/common';
import { AdminExistsError, assertNotLastAdmin, UsernameTakenError, UserNotFoundError } from '../../user-errors';
import { NewUserData, Role, User } from '../../user.model';
import { UsersRepository } from '../../users.repository';

interface StoredUser extends User {
  passwordHash: string;
}

/** Accounts in memory, for service tests; passes the same contract test as the files. */
@Injectable()
export class MemoryUsersRepository extends UsersRepository {
  private users: StoredUser[] = [];

  async findById(id: string): Promise<User | undefined> {
    return publicUser(this.users.find((u) => u.id === id));
  }

  async findByUsername(username: string): Promise<User | undefined> {
    return publicUser(this.find(username));
  }

  async findCredentials(username: string): Promise<{ user: User; passwordHash: string } | undefined> {
    const stored = this.find(username);
    return stored && { user: publicUser(stored)!, passwordHash: stored.passwordHash };
  }

  async list(): Promise<User[]> {
    return this.users.map((u) => publicUser(u)!);
  }

  async countAdmins(options: { enabledOnly?: boolean } = {}): Promise<number> {
    return this.users.filter((u) => u.role === 'admin' && !(options.enabledOnly && u.disabled)).length;
  }

  async createUser(input: NewUserData, options: { onlyIfNoAdmin?: boolean } = {}): Promise<User> {
    if (options.onlyIfNoAdmin && this.users.some((u) => u.role === 'admin')) throw new AdminExistsError();
    if (this.find(input.username)) throw new UsernameTakenError();
    const stored: StoredUser = {
      id: input.id,
      username: input.username,
      passwordHash: input.passwordHash,
      role: input.role,
      createdAt: input.createdAt,
      disabled: false,
      invitedBy: input.invitedBy,
      lastLoginAt: null,
      sessionVersion: 0,
      dailyDrafts: null,
    };
    this.users.push(stored);
    return publicUser(stored)!;
  }

  async touchLastLogin(id: string, at: string, newPasswordHash?: string): Promise<void> {
    const stored = this.byId(id);
    stored.lastLoginAt = at;
    if (newPasswordHash) stored.passwordHash = newPasswordHash;
  }

  async setPasswordHash(id: string, passwordHash: string): Promise<number> {
    const stored = this.byId(id);
    stored.passwordHash = passwordHash;
    return ++stored.sessionVersion;
  }

  async endAllSessions(username: string): Promise<User> {
    const stored = this.byName(username);
    stored.sessionVersion++;
    return publicUser(stored)!;
  }

  async setDisabled(username: string, disabled: boolean): Promise<User> {
    const stored = this.byName(username);
    if (disabled) assertNotLastAdmin(stored, this.users);
    stored.disabled = disabled;
    return publicUser(stored)!;
  }

  async setRole(username: string, role: Role): Promise<User> {
    const stored = this.byName(username);
    if (role !== 'admin') assertNotLastAdmin(stored, this.users);
    stored.role = role;
    return publicUser(stored)!;
  }

  async setDailyDrafts(username: string, dailyDrafts: number | null): Promise<User> {
    const stored = this.byName(username);
    stored.dailyDrafts = dailyDrafts;
    return publicUser(stored)!;
  }

  async deleteUser(username: string): Promise<User> {
    const stored = this.byName(username);
    assertNotLastAdmin(stored, this.users);
    this.users = this.users.filter((u) => u !== stored);
    return publicUser(stored)!;
  }

  private find(username: string): StoredUser | undefined {
    const wanted = username.toLowerCase();
    return this.users.find((u) => u.username.toLowerCase() === wanted);
  }

  private byName(username: string): StoredUser {
    const stored = this.find(username);
    if (!stored) throw new UserNotFoundError();
    return stored;
  }

  private byId(id: string): StoredUser {
    const stored = this.users.find((u) => u.id === id);
    if (!stored) throw new UserNotFoundError();
    return stored;
  }
}

/** A copy without the hash: callers never hold a reference into the store. */
function publicUser(stored: StoredUser | undefined): User | undefined {
  if (!stored) return undefined;
  const { passwordHash: _hash, ...user } = stored;
  return { ...user };
}
