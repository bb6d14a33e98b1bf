import { Injectable, OnModuleInit } from '@nestjs/common';
import { JsonFile } from '../../../persistence/json/json-file';
import { JsonStore } from '../../../persistence/json/json-store.service';
import { assertObjectWithArray } from '../../../persistence/json/shapes';
import { AdminExistsError, assertNotLastAdmin, UsernameTakenError, UserNotFoundError } from '../../user-errors';
import { NewUserData, Role, User } from '../../user.model';
import { UsersRepository } from '../../users.repository';
import { toUser, toUserRecord, UserRecord, UsersFile, userIdOf } from './user.record';

export const USERS_FILE = 'users.json';

/** users.json. Lookups go through an index rebuilt when the file changes. */
@Injectable()
export class JsonUsersRepository extends UsersRepository implements OnModuleInit {
  private readonly file: JsonFile<UsersFile>;
  private readonly createAtStart: boolean;
  private indexedRevision = -1;
  private byName = new Map<string, UserRecord>();
  private byId = new Map<string, UserRecord>();

  constructor(store: JsonStore) {
    super();
    this.createAtStart = store.createsFilesAtStart;
    this.file = store.file<UsersFile>(USERS_FILE, {
      empty: () => ({ users: [] }),
      validate: assertObjectWithArray('users'),
      pretty: false, // compact: at 10k users a pretty file is 30% bigger and slower to rewrite per registration
    });
  }

  /** Loads at start-up so a corrupt users.json stops the app with its name. */
  async onModuleInit(): Promise<void> {
    if (this.createAtStart) await this.file.load();
    else await this.file.readIfExists();
  }

  async findById(id: string): Promise<User | undefined> {
    await this.index();
    const record = this.byId.get(id);
    return record && toUser(record);
  }

  async findByUsername(username: string): Promise<User | undefined> {
    const record = await this.findRecord(username);
    return record && toUser(record);
  }

  async findCredentials(username: string): Promise<{ user: User; passwordHash: string } | undefined> {
    const record = await this.findRecord(username);
    return record && { user: toUser(record), passwordHash: record.password_hash };
  }

  async list(): Promise<User[]> {
    return (await this.current()).users.map(toUser);
  }

  async countAdmins(options: { enabledOnly?: boolean } = {}): Promise<number> {
    const data = await this.current();
    return data.users.filter((u) => u.role === 'admin' && !(options.enabledOnly && u.disabled)).length;
  }

  createUser(input: NewUserData, options: { onlyIfNoAdmin?: boolean } = {}): Promise<User> {
    const record = toUserRecord(input);
    return this.file.update(({ users }) => {
      if (options.onlyIfNoAdmin && users.some((u) => u.role === 'admin')) throw new AdminExistsError();
      if (findIn(users, input.username)) throw new UsernameTakenError();
      users.push(record);
      return toUser(record);
    });
  }

  async touchLastLogin(id: string, at: string, newPasswordHash?: string): Promise<void> {
    await this.changeById(id, (record) => {
      record.last_login_at = at;
      if (newPasswordHash) record.password_hash = newPasswordHash;
    });
  }

  setPasswordHash(id: string, passwordHash: string): Promise<number> {
    return this.changeById(id, (record) => {
      record.password_hash = passwordHash;
      record.session_version = (record.session_version ?? 0) + 1;
      return record.session_version;
    });
  }

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

  deleteUser(username: string): Promise<User> {
    return this.file.update(({ users }) => {
      const record = findIn(users, username);
      if (!record) throw new UserNotFoundError();
      assertNotLastAdmin(record, users);
      users.splice(users.indexOf(record), 1);
      return toUser(record);
    });
  }

  /** One atomic change of users.json; `apply` validates before it changes anything. */
  private changeById<R>(id: string, apply: (record: UserRecord) => R): Promise<R> {
    return this.file.update(({ users }) => {
      const record = users.find((u) => userIdOf(u) === id);
      if (!record) throw new UserNotFoundError();
      return apply(record);
    });
  }

  private changeByName(username: string, apply: (record: UserRecord, users: UserRecord[]) => void): Promise<User> {
    return this.file.update(({ users }) => {
      const record = findIn(users, username);
      if (!record) throw new UserNotFoundError();
      apply(record, users);
      return toUser(record);
    });
  }

  private async current(): Promise<UsersFile> {
    return (await this.file.readIfExists()) ?? emptyUsers();
  }

  private async findRecord(username: string): Promise<UserRecord | undefined> {
    await this.index();
    return this.byName.get(username.toLowerCase());
  }

  /** Rebuilds the lookup maps only when the file's data object changed (reload or mutation). */
  private async index(): Promise<void> {
    const data = await this.file.readIfExists();
    if (!data) {
      this.byName = new Map();
      this.byId = new Map();
      this.indexedRevision = -1;
      return;
    }
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

/** Reads never create the file (writes do): see onModuleInit. */
function emptyUsers(): UsersFile {
  return { users: [] };
}

function findIn(users: UserRecord[], username: string): UserRecord | undefined {
  const wanted = username.toLowerCase();
  return users.find((u) => u.username.toLowerCase() === wanted);
}
