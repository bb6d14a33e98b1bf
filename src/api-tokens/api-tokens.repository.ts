import type { ApiToken } from './api-token.model';

/** Personal API tokens in the store (the DI token). Each method is one atomic change or read. */
export abstract class ApiTokensRepository {
  /** Stores a new token (ids and digests are fresh random values: no conflict handling needed). */
  abstract create(token: ApiToken): Promise<void>;
  /** The token with this SHA-256 digest, expired or not (the caller decides). */
  abstract findByHash(tokenSha256: string): Promise<ApiToken | undefined>;
  /** The user's tokens, newest first. */
  abstract listForUser(userId: string): Promise<ApiToken[]>;
  /** Removes the user's token `id`; answers it, or undefined when the user has no such token. */
  abstract delete(userId: string, id: string): Promise<ApiToken | undefined>;
  /** Removes every token of the user; answers what was removed. */
  abstract deleteAllForUser(userId: string): Promise<ApiToken[]>;
  /**
   * Sets last_used to `at` unless it is already within `everyMs` before `at`: true only when it
   * wrote. Atomic, so two processes seeing one token at once write it once.
   */
  abstract touch(id: string, at: Date, everyMs: number): Promise<boolean>;
  /** Per user id, how many tokens are still valid (not expired) at `now`; users without any are absent. */
  abstract countLiveByUser(now: Date): Promise<Map<string, number>>;
}

/** The rule every implementation shares for touch(). */
export function lastUsedIsDue(lastUsedAt: string | null, at: Date, everyMs: number): boolean {
  return lastUsedAt === null || at.getTime() - new Date(lastUsedAt).getTime() >= everyMs;
}
