import { Injectable } from '@nestjs/common';
import { Database } from '../../../persistence/postgres/database';
import { hasNul } from '../../../persistence/postgres/pg-text';
import { AdminExistsError, LastAdminError, UsernameTakenError, UserNotFoundError } from '../../user-errors';
import { NewUserData, Role, User } from '../../user.model';
import { UsersRepository } from '../../users.repository';

/** A row of `users` (migration 2), as pg hands it over. */
interface UserRow {
  id: string;
  username: string;
  role: string;
  created_at: Date | null;
  disabled: boolean;
  invited_by: string | null;
  last_login_at: Date | null;
  session_version: number;
  daily_drafts: number | null;
}

const COLUMNS = 'id, username, role, created_at, disabled, invited_by, last_login_at, session_version, daily_drafts';
/** Serialises every change that can remove an enabled admin or needs "no admin yet" (see DECISIONS). */
const ADMINS_LOCK = 'users:admins';

/**
 * Accounts in the `users` table. Single-row changes are one statement by id or by
 * `lower(username)` (the unique index); the last-admin rule and `onlyIfNoAdmin` run in a transaction
 * that first takes the `users:admins` advisory lock, so two hosts demoting the last two admins at once
 * are serialised and the second sees the first's change.
 */
@Injectable()
export class PgUsersRepository extends UsersRepository {
  constructor(private readonly db: Database) {
    super();
  }

  async findById(id: string): Promise<User | undefined> {
    if (hasNul(id)) return undefined;
    const { rows } = await this.db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
    return rows[0] && toUser(rows[0]);
  }

  async findByUsername(username: string): Promise<User | undefined> {
    if (hasNul(username)) return undefined;
    const { rows } = await this.db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE lower(username) = lower($1)`, [
      username,
    ]);
    return rows[0] && toUser(rows[0]);
  }

  async findCredentials(username: string): Promise<{ user: User; passwordHash: string } | undefined> {
    if (hasNul(username)) return undefined;
    const { rows } = await this.db.query<UserRow & { password_hash: string }>(
      `SELECT ${COLUMNS}, password_hash FROM users WHERE lower(username) = lower($1)`,
      [username],
    );
    return rows[0] && { user: toUser(rows[0]), passwordHash: rows[0].password_hash };
  }

  async list(): Promise<User[]> {
    const { rows } = await this.db.query<UserRow>(`SELECT ${COLUMNS} FROM users ORDER BY seq`);
    return rows.map(toUser);
  }

  async countAdmins(options: { enabledOnly?: boolean } = {}): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM users WHERE role = 'admin' AND (NOT $1::boolean OR NOT disabled)`,
      [options.enabledOnly === true],
    );
    return rows[0].n;
  }

  async createUser(input: NewUserData, options: { onlyIfNoAdmin?: boolean } = {}): Promise<User> {
    if (!options.onlyIfNoAdmin) return this.insert(input);
    return this.db.transaction(async () => {
      await this.db.advisoryXactLock(ADMINS_LOCK);
      const { rows } = await this.db.query("SELECT 1 FROM users WHERE role = 'admin' LIMIT 1");
      if (rows.length > 0) throw new AdminExistsError();
      return this.insert(input);
    });
  }

  async touchLastLogin(id: string, at: string, newPasswordHash?: string): Promise<void> {
    const { rowCount } = await this.db.query(
      'UPDATE users SET last_login_at = $2, password_hash = coalesce($3, password_hash) WHERE id = $1',
      [id, at, newPasswordHash || null],
    );
    if (!rowCount) throw new UserNotFoundError();
  }

  async setPasswordHash(id: string, passwordHash: string): Promise<number> {
    const { rows } = await this.db.query<{ session_version: number }>(
      `UPDATE users SET password_hash = $2, session_version = session_version + 1 WHERE id = $1
       RETURNING session_version`,
      [id, passwordHash],
    );
    if (!rows[0]) throw new UserNotFoundError();
    return rows[0].session_version;
  }

  endAllSessions(username: string): Promise<User> {
    return this.updateByName(username, 'session_version = session_version + 1', []);
  }

  setDisabled(username: string, disabled: boolean): Promise<User> {
    if (!disabled) return this.updateByName(username, 'disabled = false', []);
    return this.unlessLastAdmin(username, (id) => this.updateById(id, 'disabled = true', []));
  }

  setRole(username: string, role: Role): Promise<User> {
    if (role === 'admin') return this.updateByName(username, "role = 'admin'", []);
    return this.unlessLastAdmin(username, (id) => this.updateById(id, 'role = $2', [role]));
  }

  setDailyDrafts(username: string, dailyDrafts: number | null): Promise<User> {
    return this.updateByName(username, 'daily_drafts = $2', [dailyDrafts]);
  }

  deleteUser(username: string): Promise<User> {
    return this.unlessLastAdmin(username, async (id) => {
      const { rows } = await this.db.query<UserRow>(`DELETE FROM users WHERE id = $1 RETURNING ${COLUMNS}`, [id]);
      return toUser(rows[0]);
    });
  }

  /** INSERT that reports a taken username (any case) without aborting a surrounding transaction. */
  private async insert(input: NewUserData): Promise<User> {
    const { rows } = await this.db.query<UserRow>(
      `INSERT INTO users (id, username, password_hash, role, created_at, invited_by, invite_code)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT ((lower(username))) DO NOTHING
       RETURNING ${COLUMNS}`,
      [input.id, input.username, input.passwordHash, input.role, input.createdAt, input.invitedBy, input.inviteCode],
    );
    if (!rows[0]) throw new UsernameTakenError();
    return toUser(rows[0]);
  }

  /**
   * Runs `change` on the user unless it is the last enabled admin (LastAdminError), in one
   * transaction under the `users:admins` lock: every change that could remove an enabled admin waits
   * for the others, and each statement after the lock sees what the previous holder committed.
   */
  private async unlessLastAdmin(username: string, change: (id: string) => Promise<User>): Promise<User> {
    if (hasNul(username)) throw new UserNotFoundError();
    return this.db.transaction(async () => {
      await this.db.advisoryXactLock(ADMINS_LOCK);
      const { rows } = await this.db.query<{ id: string; role: string; disabled: boolean }>(
        'SELECT id, role, disabled FROM users WHERE lower(username) = lower($1) FOR UPDATE',
        [username],
      );
      const target = rows[0];
      if (!target) throw new UserNotFoundError();
      if (target.role === 'admin' && !target.disabled) {
        const others = await this.db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM users WHERE role = 'admin' AND NOT disabled AND id <> $1",
          [target.id],
        );
        if (others.rows[0].n === 0) throw new LastAdminError();
      }
      return change(target.id);
    });
  }

  private async updateByName(username: string, set: string, params: unknown[]): Promise<User> {
    if (hasNul(username)) throw new UserNotFoundError();
    const { rows } = await this.db.query<UserRow>(
      `UPDATE users SET ${set} WHERE lower(username) = lower($1) RETURNING ${COLUMNS}`,
      [username, ...params],
    );
    if (!rows[0]) throw new UserNotFoundError();
    return toUser(rows[0]);
  }

  private async updateById(id: string, set: string, params: unknown[]): Promise<User> {
    const { rows } = await this.db.query<UserRow>(`UPDATE users SET ${set} WHERE id = $1 RETURNING ${COLUMNS}`, [
      id,
      ...params,
    ]);
    if (!rows[0]) throw new UserNotFoundError();
    return toUser(rows[0]);
  }
}

function toUser(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    role: row.role === 'admin' ? 'admin' : 'user',
    createdAt: row.created_at ? row.created_at.toISOString() : null,
    disabled: row.disabled,
    invitedBy: row.invited_by,
    lastLoginAt: row.last_login_at ? row.last_login_at.toISOString() : null,
    sessionVersion: row.session_version,
    dailyDrafts: row.daily_drafts,
  };
}
