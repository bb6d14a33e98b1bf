import { Injectable } from '@nestjs/common';
import { SessionsRepository, StoredSession } from '../../sessions.repository';

/** Sessions in a Map: for unit tests of what uses sessions; passes the same contract as the files. */
@Injectable()
export class MemorySessionsRepository extends SessionsRepository {
  private readonly sessions = new Map<string, StoredSession>();

  find(sid: string, now: number): Promise<StoredSession | undefined> {
    const session = this.sessions.get(sid);
    return Promise.resolve(session && session.expiresAt > now ? structuredClone(session) : undefined);
  }

  save(sid: string, session: StoredSession): Promise<void> {
    this.sessions.set(sid, structuredClone(session));
    return Promise.resolve();
  }

  remove(sid: string): Promise<void> {
    this.sessions.delete(sid);
    return Promise.resolve();
  }

  sweepExpired(now: number): Promise<number> {
    let removed = 0;
    for (const [sid, session] of this.sessions) {
      if (session.expiresAt <= now) {
        this.sessions.delete(sid);
        removed++;
      }
    }
    return Promise.resolve(removed);
  }

  count(): Promise<number> {
    return Promise.resolve(this.sessions.size);
  }
}
