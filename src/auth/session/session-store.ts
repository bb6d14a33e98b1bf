import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { SessionData, Store } from 'express-session';
import { Clock } from '../../common/clock/clock';
import { AppConfig } from '../../config/app-config';
import { SessionsRepository } from './sessions.repository';

type Callback<T = void> = (err?: unknown, value?: T) => void;

const SWEEP_INTERVAL_MS = 10 * 60 * 1000;

/**
 * express-session's store over SessionsRepository (one file per session in files mode, shared by
 * every worker, kept across restarts). Expired sessions are never returned and are swept periodically.
 * No `touch`: activity is tracked by the session's own lastSeenAt (saved when it moves), and without
 * it express-session ends an unchanged response in one write instead of waiting on the store.
 */
@Injectable()
export class RepositorySessionStore extends Store implements OnModuleDestroy {
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    super();
    this.sweeper = setInterval(() => void this.sweep().catch(() => undefined), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  override get(sid: string, callback: Callback<SessionData | null>): void {
    this.sessions
      .find(sid, this.clock.now().getTime())
      .then((stored) => callback(undefined, stored ? (stored.data as unknown as SessionData) : null))
      .catch((error) => callback(error));
  }

  override set(sid: string, sess: SessionData, callback?: Callback): void {
    const data = JSON.parse(JSON.stringify(sess)) as Record<string, unknown>;
    this.sessions
      .save(sid, { data, expiresAt: this.expiryOf(sess) })
      .then(() => callback?.())
      .catch((error) => callback?.(error));
  }

  override destroy(sid: string, callback?: Callback): void {
    this.sessions
      .remove(sid)
      .then(() => callback?.())
      .catch((error) => callback?.(error));
  }

  /** Removes every expired session; returns how many. */
  sweep(): Promise<number> {
    return this.sessions.sweepExpired(this.clock.now().getTime());
  }

  private expiryOf(sess: SessionData): number {
    const idleMs = this.config.sessionIdleMinutes * 60_000;
    const lastSeen = sess.lastSeenAt ?? this.clock.now().getTime();
    const cookieExpiry = sess.cookie?.expires ? new Date(sess.cookie.expires).getTime() : Infinity;
    return Math.min(lastSeen + idleMs, cookieExpiry);
  }
}
