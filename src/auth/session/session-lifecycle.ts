import type { Request } from 'express';
import { User } from '../users/user.model';

/** Starts a logged-in session: new session id (no fixation), keeping the CSRF token across. */
export async function startUserSession(req: Request, user: User, now: Date): Promise<void> {
  const csrfToken = req.session.csrfToken;
  await new Promise<void>((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
  req.session.userId = user.id;
  req.session.sessionVersion = user.sessionVersion;
  req.session.loginAt = now.getTime();
  req.session.lastSeenAt = now.getTime();
  if (csrfToken) req.session.csrfToken = csrfToken;
  await new Promise<void>((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));
}

/** Replaces the session with an empty one: the old id is gone from the store (logout, expiry). */
export async function endSession(req: Request): Promise<void> {
  if (!req.session) return;
  await new Promise<void>((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
}
