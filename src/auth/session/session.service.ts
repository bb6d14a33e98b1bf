import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { Clock } from '../../common/clock/clock';
import { User } from '../../users/user.model';
import { AnonymousCsrf } from './anonymous-csrf';

/**
 * The one place a logged-in session starts and ends. Login, registration and setup call establish();
 * logout and a password reset call end().
 */
@Injectable()
export class SessionService {
  constructor(
    private readonly clock: Clock,
    private readonly anonymousCsrf: AnonymousCsrf,
  ) {}

  /**
   * Starts a logged-in session: a new session id (no fixation), the user id and session version, and
   * no CSRF token yet, so the next page that shows a form makes a new one. The pre-login token (which
   * was in every anonymous page, and could have been read or planted before) dies with its cookie.
   * Saved before the redirect is sent, so the next request finds it.
   */
  async establish(req: Request, user: User): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      req.session.regenerate((err) => (err ? reject(toError(err)) : resolve())),
    );
    const now = this.clock.now().getTime();
    req.session.userId = user.id;
    req.session.sessionVersion = user.sessionVersion;
    req.session.loginAt = now;
    req.session.lastSeenAt = now;
    await new Promise<void>((resolve, reject) => req.session.save((err) => (err ? reject(toError(err)) : resolve())));
    if (req.res) this.anonymousCsrf.forget(req, req.res);
  }

  /** This session survives its user's version bump (a password change made through it). */
  keepAfterVersionBump(req: Request, version: number): void {
    req.session.sessionVersion = version;
  }

  /** Logout: the session is removed from the store; the request must end with a redirect. */
  async end(req: Request): Promise<void> {
    if (!req.session) return;
    await new Promise<void>((resolve, reject) =>
      req.session.destroy((err) => (err ? reject(toError(err)) : resolve())),
    );
  }
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
