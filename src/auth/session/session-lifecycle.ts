import type { Request } from 'express';
import { User } from '../../users/user.model';

/**
 * Starts a logged-in session: a new session id (no fixation) and no CSRF token yet, so the next page
 * that shows a form makes a new one. The anonymous session's token (which was in every pre-login
 * page, and could have been read or planted before) dies with that session.
 */
export async function startUserSession(req: Request, user: User, now: Date): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    req.session.regenerate((err) => (err ? reject(toError(err)) : resolve())),
  );
  req.session.userId = user.id;
  req.session.sessionVersion = user.sessionVersion;
  req.session.loginAt = now.getTime();
  req.session.lastSeenAt = now.getTime();
  await new Promise<void>((resolve, reject) => req.session.save((err) => (err ? reject(toError(err)) : resolve())));
}

/** Logout: the session is removed from the store; the request must end with a redirect. */
export async function endSession(req: Request): Promise<void> {
  if (!req.session) return;
  await new Promise<void>((resolve, reject) => req.session.destroy((err) => (err ? reject(toError(err)) : resolve())));
}

/** A session that may no longer act for its user (expired, disabled, version bumped) stays anonymous. */
export function forgetUser(req: Request): void {
  delete req.session.userId;
  delete req.session.sessionVersion;
  delete req.session.loginAt;
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
