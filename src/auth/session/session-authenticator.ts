import { Injectable } from '@nestjs/common';
import type { SessionData } from 'express-session';
import { Clock } from '../../common/clock/clock';
import { AppConfig } from '../../config/app-config';
import { UsersRepository } from '../../users/users.repository';
import type { AuthContext } from '../auth-context';
import { HALF_LOGIN_TTL_MS } from '../two-factor/half-login';

/** What authentication needs of a request: its session, if express-session found or made one. */
export interface SessionCarrier {
  session?: Partial<SessionData>;
}

/**
 * Resolves a session to its user on every request, re-reading the user so that disabling, deleting,
 * demoting or a session-version bump takes effect at once; enforces the idle and absolute timeouts.
 * A session that may no longer act for its user stays anonymous (its user fields are dropped).
 */
@Injectable()
export class SessionAuthenticator {
  private readonly idleMs: number;
  private readonly absoluteMs: number;
  /** Saving lastSeenAt on every request would write the store each time; a tenth of the window is enough. */
  private readonly touchEveryMs: number;

  constructor(
    private readonly users: UsersRepository,
    private readonly clock: Clock,
    config: AppConfig,
  ) {
    this.idleMs = config.sessionIdleMinutes * 60_000;
    this.absoluteMs = config.sessionAbsoluteHours * 3600_000;
    this.touchEveryMs = Math.min(60_000, this.idleMs / 10);
  }

  async authenticate(req: SessionCarrier): Promise<AuthContext | undefined> {
    const session = req.session;
    if (!session?.userId) return session?.twoFactorLogin ? this.halfLogin(session) : undefined;
    const now = this.clock.now().getTime();
    const lastSeen = session.lastSeenAt ?? 0;
    const expired = now - lastSeen > this.idleMs || now - (session.loginAt ?? 0) > this.absoluteMs;
    const user = expired ? undefined : await this.users.findById(session.userId);
    if (!user || user.disabled || user.sessionVersion !== (session.sessionVersion ?? 0)) {
      delete session.userId;
      delete session.sessionVersion;
      delete session.loginAt;
      return undefined;
    }
    if (now - lastSeen > this.touchEveryMs) session.lastSeenAt = now;
    return { user, method: 'session', mfaPending: false };
  }

  /**
   * A half-done two-factor login (password right, code due; SPEC §5.1): `mfaPending`, so it is not
   * logged in anywhere, but it is a session request (CSRF uses the session's token). Dropped when over
   * five minutes old, or when its user was disabled, deleted or signed out everywhere since.
   */
  private async halfLogin(session: Partial<SessionData>): Promise<AuthContext | undefined> {
    const half = session.twoFactorLogin;
    if (!half) return undefined;
    const now = this.clock.now().getTime();
    const live = now >= half.startedAt && now - half.startedAt <= HALF_LOGIN_TTL_MS;
    const user = live ? await this.users.findById(half.userId) : undefined;
    if (!user || user.disabled || user.sessionVersion !== half.sessionVersion) {
      delete session.twoFactorLogin;
      return undefined;
    }
    return { user, method: 'session', mfaPending: true };
  }
}
