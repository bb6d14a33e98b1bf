import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Clock } from '../../common/clock/clock';
import { AppConfig } from '../../config/app-config';
import { UsersRepository } from '../../users/users.repository';
import { forgetUser } from './session-lifecycle';

/**
 * Resolves the session to a user on every request, re-reading the user so that disabling, deleting,
 * demoting or a session-version bump takes effect at once. Enforces idle and absolute timeouts.
 */
@Injectable()
export class SessionUserMiddleware implements NestMiddleware {
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

  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    try {
      await this.resolveUser(req, res);
      next();
    } catch (error) {
      next(error);
    }
  }

  private async resolveUser(req: Request, res: Response): Promise<void> {
    const session = req.session;
    if (!session?.userId) return;
    const now = this.clock.now().getTime();
    const lastSeen = session.lastSeenAt ?? 0;
    const expired = now - lastSeen > this.idleMs || now - (session.loginAt ?? 0) > this.absoluteMs;
    const user = expired ? undefined : await this.users.findById(session.userId);
    if (!user || user.disabled || user.sessionVersion !== (session.sessionVersion ?? 0)) {
      forgetUser(req);
      return;
    }
    req.user = user;
    res.locals.currentUser = user;
    res.locals.isAdmin = user.role === 'admin';
    res.setHeader('Cache-Control', 'no-store');
    if (now - lastSeen > this.touchEveryMs) session.lastSeenAt = now;
  }
}
