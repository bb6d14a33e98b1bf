/** users.json, the prototype's format extended with snake_case keys (SPEC §7). */
export type Role = 'admin' | 'user';
export const ROLES: readonly Role[] = ['admin', 'user'];

export interface UserRecord {
  /** Missing in prototype files: such users get a stable derived id (see UsersRepository). */
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
  [extra: string]: unknown;
}

export interface UsersFile {
  users: UserRecord[];
  [extra: string]: unknown;
}

/** A user as the app sees it: normalised, with no password hash. */
export interface User {
  id: string;
  username: string;
  role: Role;
  createdAt: string | null;
  disabled: boolean;
  invitedBy: string | null;
  lastLoginAt: string | null;
  sessionVersion: number;
  dailyDrafts: number | null;
}
