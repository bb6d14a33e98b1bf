import { NewUserData, Role, User } from './user.model';

/**
 * Accounts in the store (the DI token; PersistenceModule binds the files or memory implementation).
 * Every method is one atomic change: rules that need the whole table (unique usernames, "an enabled
 * admin must remain", "only while no admin exists") are checked inside it, so they become one SQL
 * statement or transaction later. Lookups by username are case-insensitive.
 */
export abstract class UsersRepository {
  abstract findById(id: string): Promise<User | undefined>;
  abstract findByUsername(username: string): Promise<User | undefined>;
  /** Includes the password hash: for credential checks only. */
  abstract findCredentials(username: string): Promise<{ user: User; passwordHash: string } | undefined>;
  /** In creation order. */
  abstract list(): Promise<User[]>;
  abstract countAdmins(options?: { enabledOnly?: boolean }): Promise<number>;

  /** Throws UsernameTakenError (any case), or AdminExistsError when `onlyIfNoAdmin` and an admin exists. */
  abstract createUser(input: NewUserData, options?: { onlyIfNoAdmin?: boolean }): Promise<User>;
  /** Records a login at `at` and, when given, replaces the password hash (a prototype hash upgraded). */
  abstract touchLastLogin(id: string, at: string, newPasswordHash?: string): Promise<void>;
  /** Replaces the hash and bumps the session version (every session ends); returns the new version. */
  abstract setPasswordHash(id: string, passwordHash: string): Promise<number>;
  /** Bumps the session version: "sign out everywhere". */
  abstract endAllSessions(username: string): Promise<User>;
  /** Throws LastAdminError when disabling the last enabled admin. */
  abstract setDisabled(username: string, disabled: boolean): Promise<User>;
  /** Throws LastAdminError when demoting the last enabled admin. */
  abstract setRole(username: string, role: Role): Promise<User>;
  abstract setDailyDrafts(username: string, dailyDrafts: number | null): Promise<User>;
  /** Throws LastAdminError when deleting the last enabled admin; returns the deleted user. */
  abstract deleteUser(username: string): Promise<User>;
}
