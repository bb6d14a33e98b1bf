import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { SessionData, Store } from 'express-session';
import { Clock } from '../../common/clock/clock';
import { AppConfig } from '../../config/app-config';
import { JsonFile } from '../../persistence/json/json-file';
import { JsonStore } from '../../persistence/json/json-store.service';
import { assertObjectWithMap } from '../../persistence/json/shapes';

interface StoredSession {
  sess: SessionData;
  /** Epoch ms after which the session is dead (cookie expiry or idle timeout, whichever is first). */
  expiresAt: number;
}

interface SessionsFile {
  sessions: Record<string, StoredSession>;
}

type Callback<T = void> = (err?: unknown, value?: T) => void;

const SWEEP_INTERVAL_MS = 10 * 60 * 1000;

/**
 * express-session store over DATA_DIR/sessions.json (through the JSON store, so every worker process
 * shares it and restarts keep it). Expired sessions are never returned and are swept periodically.
 * No `touch`: activity is tracked by the session's own lastSeenAt (saved when it moves), and without
 * it express-session ends an unchanged response in one write instead of waiting on the store.
 */
@Injectable()
export class FileSessionStore extends Store implements OnModuleDestroy {
  private readonly file: JsonFile<SessionsFile>;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    store: JsonStore,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    super();
    this.file = store.file<SessionsFile>('sessions.json', {
      empty: () => ({ sessions: {} }),
      validate: assertObjectWithMap('sessions'),
      durable: false, // a power cut costs a re-login, not an account
    });
    this.sweeper = setInterval(() => void this.sweep().catch(() => undefined), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  override get(sid: string, callback: Callback<SessionData | null>): void {
    this.file
      .read()
      .then((data) => {
        const entry = data.sessions[sid];
        const live = entry && entry.expiresAt > this.clock.now().getTime();
        // A copy: express-session mutates what it gets, and the cached file data must stay as written.
        callback(undefined, live ? structuredClone(entry.sess) : null);
      })
      .catch((error) => callback(error));
  }

  override set(sid: string, sess: SessionData, callback?: Callback): void {
    const entry: StoredSession = {
      sess: JSON.parse(JSON.stringify(sess)) as SessionData,
      expiresAt: this.expiryOf(sess),
    };
    this.file
      .update((data) => {
        data.sessions[sid] = entry;
      })
      .then(() => callback?.())
      .catch((error) => callback?.(error));
  }

  override destroy(sid: string, callback?: Callback): void {
    this.file
      .update((data) => {
        delete data.sessions[sid];
      })
      .then(() => callback?.())
      .catch((error) => callback?.(error));
  }

  /** Removes every expired session; returns how many. */
  async sweep(): Promise<number> {
    const now = this.clock.now().getTime();
    return this.file.update((data) => {
      let removed = 0;
      for (const [sid, entry] of Object.entries(data.sessions)) {
        if (entry.expiresAt <= now) {
          delete data.sessions[sid];
          removed++;
        }
      }
      return removed;
    });
  }

  private expiryOf(sess: SessionData): number {
    const idleMs = this.config.sessionIdleMinutes * 60_000;
    const lastSeen = sess.lastSeenAt ?? this.clock.now().getTime();
    const cookieExpiry = sess.cookie?.expires ? new Date(sess.cookie.expires).getTime() : Infinity;
    return Math.min(lastSeen + idleMs, cookieExpiry);
  }
}
