/** A user as the app sees it (domain type): normalised, camelCase, with no password hash. */
export type Role = 'admin' | 'user';
export const ROLES: readonly Role[] = ['admin', 'user'];

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

/** What a repository needs to store a new account (the service picks the id and the time). */
export interface NewUserData {
  id: string;
  username: string;
  passwordHash: string;
  role: Role;
  createdAt: string;
  invitedBy: string | null;
  inviteCode: string | null;
}
