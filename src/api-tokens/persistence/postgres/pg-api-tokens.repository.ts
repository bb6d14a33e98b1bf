import { Injectable } from '@nestjs/common';
import { Database } from '../../../persistence/postgres/database';
import type { ApiToken } from '../../api-token.model';
import { ApiTokensRepository } from '../../api-tokens.repository';

interface ApiTokenRow {
  id: string;
  user_id: string;
  name: string;
  token_sha256: string;
  created_at: Date;
  expires_at: Date;
  last_used_at: Date | null;
}

const COLUMNS = 'id, user_id, name, token_sha256, created_at, expires_at, last_used_at';
// Same order as the file and memory stores: ids compared bytewise, whatever the database's collation.
const NEWEST_FIRST = 'ORDER BY created_at DESC, id COLLATE "C" DESC';

/**
 * Tokens in `api_tokens` (migration 13). A bearer request is one indexed lookup by digest; every
 * change is one statement (DELETE ... RETURNING, a conditional UPDATE for last_used), so hosts sharing
 * the database need no lock: a revoke is seen by every host's next request.
 */
@Injectable()
export class PgApiTokensRepository extends ApiTokensRepository {
  constructor(private readonly db: Database) {
    super();
  }

  async create(token: ApiToken): Promise<void> {
    await this.db.query(`INSERT INTO api_tokens (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
      token.id,
      token.userId,
      token.name,
      token.tokenSha256,
      token.createdAt,
      token.expiresAt,
      token.lastUsedAt,
    ]);
  }

  async findByHash(tokenSha256: string): Promise<ApiToken | undefined> {
    const { rows } = await this.db.query<ApiTokenRow>(`SELECT ${COLUMNS} FROM api_tokens WHERE token_sha256 = $1`, [
      tokenSha256,
    ]);
    return rows[0] && toApiToken(rows[0]);
  }

  async listForUser(userId: string): Promise<ApiToken[]> {
    const { rows } = await this.db.query<ApiTokenRow>(
      `SELECT ${COLUMNS} FROM api_tokens WHERE user_id = $1 ${NEWEST_FIRST}`,
      [userId],
    );
    return rows.map(toApiToken);
  }

  async delete(userId: string, id: string): Promise<ApiToken | undefined> {
    const { rows } = await this.db.query<ApiTokenRow>(
      `DELETE FROM api_tokens WHERE id = $1 AND user_id = $2 RETURNING ${COLUMNS}`,
      [id, userId],
    );
    return rows[0] && toApiToken(rows[0]);
  }

  async deleteAllForUser(userId: string): Promise<ApiToken[]> {
    const { rows } = await this.db.query<ApiTokenRow>(
      `WITH removed AS (DELETE FROM api_tokens WHERE user_id = $1 RETURNING ${COLUMNS})
       SELECT ${COLUMNS} FROM removed ${NEWEST_FIRST}`,
      [userId],
    );
    return rows.map(toApiToken);
  }

  async touch(id: string, at: Date, everyMs: number): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE api_tokens SET last_used_at = $2
        WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $2::timestamptz - make_interval(secs => $3))`,
      [id, at, everyMs / 1000],
    );
    return rowCount === 1;
  }

  async countLiveByUser(now: Date): Promise<Map<string, number>> {
    const { rows } = await this.db.query<{ user_id: string; live: number }>(
      'SELECT user_id, count(*)::int AS live FROM api_tokens WHERE expires_at > $1 GROUP BY user_id',
      [now],
    );
    return new Map(rows.map((r) => [r.user_id, r.live]));
  }
}

function toApiToken(row: ApiTokenRow): ApiToken {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    tokenSha256: row.token_sha256,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    lastUsedAt: row.last_used_at ? row.last_used_at.toISOString() : null,
  };
}
