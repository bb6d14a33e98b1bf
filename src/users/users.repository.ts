import { Injectable, OnModuleInit } from '@nestjs/common';
import { JsonFile } from '../persistence/json/json-file';
import { JsonStore } from '../persistence/json/json-store.service';
import { assertObjectWithArray } from '../persistence/json/shapes';
import { User, UserRecord, UsersFile } from './user.model';

export const USERS_FILE = 'users.json';

/** The only code that touches users.json. Lookups go through an index rebuilt when the file changes. */
@Injectable()
export class UsersRepository implements OnModuleInit {
  private readonly file: JsonFile<UsersFile>;
  private indexedRevision = -1;
  private byName = new Map<string, UserRecord>();
  private byId = new Map<string, UserRecord>();

  constructor(store: JsonStore) {
    this.file = store.file<UsersFile>(USERS_FILE, {
      empty: () => ({ users: [] }),
      validate: assertObjectWithArray('users'),
      pretty: false, // compact: at 10k users a pretty file is 30% bigger and slower to rewrite per registration
    });
  }

  /** Loads at start-up so a corrupt users.json stops the app with its name. */
  async onModuleInit(): Promise<void> {
    await this.file.load();
  }

  async findById(id: string): Promise<User | undefined> {
    await this.index();
    const record = this.byId.get(id);
    return record && toUser(record);
  }

  /** Case-insensitive, as usernames are unique case-insensitively. */
  async findByUsername(username: string): Promise<User | undefined> {
    const record = await this.findRecord(username);
    return record && toUser(record);
  }

  /** Includes the password hash: for the password hasher only. */
  async findCredentials(username: string): Promise<{ user: User; passwordHash: string } | undefined> {
    const record = await this.findRecord(username);
    return record && { user: toUser(record), passwordHash: record.password_hash };
  }

  async list(): Promise<User[]> {
    const data = await this.file.read();
    return data.users.map(toUser);
  }

  async countAdmins(options: { enabledOnly?: boolean } = {}): Promise<number> {
    const data = await this.file.read();
    return data.users.filter((u) => u.role === 'admin' && !(options.enabledOnly && u.disabled)).length;
  }

  /**
   * Applies `change` to users.json atomically. The mutator gets the raw records and must validate
   * before changing anything (throwing leaves the file as it was).
   */
  mutate<R>(change: (users: UserRecord[], find: (username: string) => UserRecord | undefined) => R): Promise<R> {
    return this.file.update((data) => change(data.users, (name) => findIn(data.users, name)));
  }

  private async findRecord(username: string): Promise<UserRecord | undefined> {
    await this.index();
    return this.byName.get(username.toLowerCase());
  }

  /** Rebuilds the lookup maps only when the file's data object changed (reload or mutation). */
  private async index(): Promise<void> {
    const data = await this.file.read();
    if (this.file.revision === this.indexedRevision) return;
    const revision = this.file.revision;
    this.byName = new Map();
    this.byId = new Map();
    for (const record of data.users) {
      this.byName.set(record.username.toLowerCase(), record);
      this.byId.set(userIdOf(record), record);
    }
    this.indexedRevision = revision;
  }
}

/** Prototype users have no id: derive a stable one (new users always get a random UUID). */
export function userIdOf(record: UserRecord): string {
  return record.id ?? `legacy:${record.username.toLowerCase()}`;
}

function findIn(users: UserRecord[], username: string): UserRecord | undefined {
  const wanted = username.toLowerCase();
  return users.find((u) => u.username.toLowerCase() === wanted);
}

export function toUser(record: UserRecord): User {
  return {
    id: userIdOf(record),
    username: record.username,
    role: record.role === 'admin' ? 'admin' : 'user',
    createdAt: record.created_at ?? null,
    disabled: record.disabled === true,
    invitedBy: record.invited_by ?? null,
    lastLoginAt: record.last_login_at ?? null,
    sessionVersion: record.session_version ?? 0,
    dailyDrafts: typeof record.daily_drafts === 'number' ? record.daily_drafts : null,
  };
}
