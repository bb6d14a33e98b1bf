import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Database } from '../../../../persistence/postgres/database';
import { deleteExpiredRows } from '../../../../persistence/postgres/pg-sweep';
import { SessionsRepository, StoredSession } from '../../sessions.repository';

/**
 * Sessions in `sessions`, one row per session, keyed by the SHA-256 of its id (a dump of the table
 * gives away no session id; any id, U+0000 included, is a valid key). The data is express-session's
 * JSON kept as text, so a read hands back a fresh copy with the keys as saved. Every method is one
 * statement: a session's write never touches another's row, whichever host serves it.
 */
@Injectable()
export class PgSessionsRepository extends SessionsRepository {
  constructor(private readonly db: Database) {
    super();
  }

  async find(sid: string, now: number): Promise<StoredSession | undefined> {
    const { rows } = await this.db.query<{ data: string; expires_at_ms: string }>(
      'SELECT data, expires_at_ms FROM sessions WHERE sid_sha256 = $1 AND expires_at_ms > $2',
      [keyOf(sid), now],
    );
    if (rows.length === 0) return undefined;
    let data: unknown;
    try {
      data = JSON.parse(rows[0].data);
    } catch {
      return undefined; // unreadable: no session (as an unreadable session file)
    }
    if (data === null || typeof data !== 'object' || Array.isArray(data)) return undefined;
    return { data: data as Record<string, unknown>, expiresAt: Number(rows[0].expires_at_ms) };
  }

  async save(sid: string, session: StoredSession): Promise<void> {
    await this.db.query(
      `INSERT INTO sessions (sid_sha256, data, expires_at_ms) VALUES ($1, $2, $3)
       ON CONFLICT (sid_sha256) DO UPDATE SET data = EXCLUDED.data, expires_at_ms = EXCLUDED.expires_at_ms`,
      [keyOf(sid), JSON.stringify(session.data), expiryMs(session.expiresAt)],
    );
  }

  async remove(sid: string): Promise<void> {
    await this.db.query('DELETE FROM sessions WHERE sid_sha256 = $1', [keyOf(sid)]);
  }

  async sweepExpired(now: number): Promise<number> {
    return deleteExpiredRows(this.db, 'sessions', 'sid_sha256', now);
  }

  async count(): Promise<number> {
    const { rows } = await this.db.query<{ n: string }>('SELECT count(*) AS n FROM sessions');
    return Number(rows[0].n);
  }
}

function keyOf(sid: string): string {
  return createHash('sha256').update(sid, 'utf8').digest('hex');
}

/** A bigint column: an expiry beyond it (Infinity from a cookie without expiry) is clamped. */
function expiryMs(expiresAt: number): number {
  if (Number.isNaN(expiresAt)) return 0;
  return Math.min(Math.max(Math.trunc(expiresAt), -Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER);
}
