/** A session as the store keeps it: express-session's data (JSON) and when it dies. */
export interface StoredSession {
  /** The session's data as express-session serialises it (cookie, userId, csrfToken, ...). */
  data: Record<string, unknown>;
  /** Epoch ms after which the session is dead (cookie expiry or idle timeout, whichever is first). */
  expiresAt: number;
}

/**
 * Server-side sessions, one record per session id (SPEC §5: one session's write never rewrites the
 * others). Only sessions of logged-in users (and, later, the two-factor half-login) are ever saved:
 * anonymous visitors get a stateless CSRF token instead (see anonymous-csrf.ts).
 */
export abstract class SessionsRepository {
  /** The live session, as a copy the caller may change; undefined when unknown or expired at `now`. */
  abstract find(sid: string, now: number): Promise<StoredSession | undefined>;
  /** Creates or replaces the session. */
  abstract save(sid: string, session: StoredSession): Promise<void>;
  /** Removes the session; unknown ids are fine. */
  abstract remove(sid: string): Promise<void>;
  /** Removes every session expired at `now`; returns how many. */
  abstract sweepExpired(now: number): Promise<number>;
  /** How many sessions are stored, expired or not (tests, benchmarks, health of the store). */
  abstract count(): Promise<number>;
}
