import { NewUserData, User } from '../../user.model';

/** users.json, the prototype's format extended with snake_case keys (SPEC §7). */
export interface UserRecord {
  /** Missing in prototype files: such users get a stable derived id (see userIdOf). */
  id?: string;
  username: string;
  /** bcrypt, or a Werkzeug pbkdf2/scrypt hash from the prototype (re-hashed at next login). */
  password_hash: string;
  /** 'admin' or 'user'; anything else a hand-edited file holds reads as 'user'. */
  role: string;
  created_at?: string;
  disabled?: boolean;
  invited_by?: string | null;
  invite_code?: string | null;
  last_login_at?: string | null;
  /** Sessions remember the version they were made under; bumping it ends them all. */
  session_version?: number;
  /** Per-user daily draft limit set by an admin; absent = GENERATION_DAILY_DRAFTS. */
  daily_drafts?: number | null;
  /** Keys this version does not know (a prototype's or a newer version's) survive every rewrite. */
  [extra: string]: unknown;
}

export interface UsersFile {
  users: UserRecord[];
  [extra: string]: unknown;
}

/** Prototype users have no id: derive a stable one (new users always get a random UUID). */
export function userIdOf(record: UserRecord): string {
  return record.id ?? `legacy:${record.username.toLowerCase()}`;
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

export function toUserRecord(input: NewUserData): UserRecord {
  return {
    id: input.id,
    username: input.username,
    password_hash: input.passwordHash,
    role: input.role,
    created_at: input.createdAt,
    disabled: false,
    invited_by: input.invitedBy,
    invite_code: input.inviteCode,
    last_login_at: null,
    session_version: 0,
  };
}
