import type { Request } from 'express';
import 'express-session';
import { User } from '../../users/user.model';

/**
 * A login whose password was right and whose second factor is still due (SPEC §5.1). It lives in its
 * own session key, never in `userId`, so every guard and middleware treats the session as anonymous
 * until the code completes the login (which starts a new session: startUserSession).
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

/** Starts the half-done login in a new session (new id: the anonymous one's CSRF token dies with it). */
export async function beginHalfLogin(req: Request, user: User, next: string, now: Date): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    req.session.regenerate((err) => (err ? reject(toError(err)) : resolve())),
  );
  req.session.twoFactorLogin = {
    userId: user.id,
    sessionVersion: user.sessionVersion,
    startedAt: now.getTime(),
    next,
  };
  await new Promise<void>((resolve, reject) => req.session.save((err) => (err ? reject(toError(err)) : resolve())));
}

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

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
