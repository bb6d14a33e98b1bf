import type { Request } from 'express';
import 'express-session';

/**
 * A login whose password was right and whose second factor is still due (SPEC §5.1). It lives in its
 * own session key, never in `userId`, so every guard treats the session as not logged in
 * until the code completes the login. SessionService.beginHalfLogin starts it (a new session);
 * SessionService.establish replaces it with the logged-in session. SessionAuthenticator reports a live
 * one as an AuthContext with `mfaPending: true` (not logged in; its CSRF token is the session's).
 */
export interface HalfLogin {
  userId: string;
  /** The user's session version at the password step: a reset or "sign out everywhere" voids it. */
  sessionVersion: number;
  startedAt: number;
  /** Where to go after the code (already checked by safeNext). */
  next: string;
}

declare module 'express-session' {
  interface SessionData {
    twoFactorLogin?: HalfLogin;
  }
}

/** The half-done login expires after five minutes. */
export const HALF_LOGIN_TTL_MS = 5 * 60_000;

/** The live half-done login of this session; an expired one is dropped. */
export function currentHalfLogin(req: Request, now: Date): HalfLogin | undefined {
  const half = req.session?.twoFactorLogin;
  if (!half) return undefined;
  if (now.getTime() - half.startedAt > HALF_LOGIN_TTL_MS || now.getTime() < half.startedAt) {
    delete req.session.twoFactorLogin;
    return undefined;
  }
  return half;
}

export function dropHalfLogin(req: Request): void {
  if (req.session) delete req.session.twoFactorLogin;
}
