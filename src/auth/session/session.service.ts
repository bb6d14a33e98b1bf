import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { Clock } from '../../common/clock/clock';
import { User } from '../../users/user.model';
import '../two-factor/half-login';
import { AnonymousCsrf } from './anonymous-csrf';

/**
 * The one place a logged-in session starts and ends. Login, registration and setup call establish();
 * logout and a password reset call end(). A right password with two-factor login on starts a session
 * for the half-done login (beginHalfLogin); the right code then establishes the logged-in one.
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

  /**
   * A right password whose second factor is due (SPEC §5.1): the first session of this visitor (none
   * exists before login), holding only the half-done login under `twoFactorLogin` — never `userId`, so
   * it is `mfaPending` and every closed route still sends it to /login. A new id all the same (no
   * fixation), and the pre-login CSRF cookie is done with: /login/2fa's form gets this session's
   * synchronizer token. establish() replaces the session once the code is right.
   */
  async beginHalfLogin(req: Request, user: User, next: string): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      req.session.regenerate((err) => (err ? reject(toError(err)) : resolve())),
    );
    req.session.twoFactorLogin = {
      userId: user.id,
      sessionVersion: user.sessionVersion,
      startedAt: this.clock.now().getTime(),
      next,
    };
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
