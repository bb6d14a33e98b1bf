import { Injectable } from '@nestjs/common';
import { Database } from '../../../../persistence/postgres/database';
import { ResetToken, ResetTokensRepository } from '../../reset-tokens.repository';

interface ResetTokenRow {
  token_sha256: string;
  user_id: string;
  username: string;
  created_at: Date;
  created_by: string | null;
  expires_at: Date;
}

const COLUMNS = 'token_sha256, user_id, username, created_at, created_by, expires_at';

/**
 * Reset tokens in `password_reset_tokens`. One live token per user is the table's UNIQUE (user_id):
 * a new token replaces the user's row with INSERT ... ON CONFLICT (user_id) DO UPDATE, so two
 * concurrent requests for one user leave exactly one token. A link works once: claim is
 * DELETE ... RETURNING, and only the statement that deleted the row sees it.
 */
@Injectable()
export class PgResetTokensRepository extends ResetTokensRepository {
  constructor(private readonly db: Database) {
    super();
  }

  async replaceTokenForUser(token: ResetToken, now: Date): Promise<void> {
    await this.db.transaction(async () => {
      await this.db.query('DELETE FROM password_reset_tokens WHERE expires_at <= $1 AND user_id <> $2', [
        now,
        token.userId,
      ]);
      await this.db.query(
        `INSERT INTO password_reset_tokens (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (user_id) DO UPDATE SET
           token_sha256 = EXCLUDED.token_sha256, username = EXCLUDED.username, created_at = EXCLUDED.created_at,
           created_by = EXCLUDED.created_by, expires_at = EXCLUDED.expires_at`,
        [token.tokenSha256, token.userId, token.username, token.createdAt, token.createdBy, token.expiresAt],
      );
    });
  }

  async findValid(tokenSha256: string, now: Date): Promise<ResetToken | undefined> {
    const { rows } = await this.db.query<ResetTokenRow>(
      `SELECT ${COLUMNS} FROM password_reset_tokens WHERE token_sha256 = $1 AND expires_at > $2`,
      [tokenSha256, now],
    );
    return rows[0] && toResetToken(rows[0]);
  }

  async claim(tokenSha256: string): Promise<boolean> {
    const { rowCount } = await this.db.query('DELETE FROM password_reset_tokens WHERE token_sha256 = $1', [
      tokenSha256,
    ]);
    return rowCount === 1;
  }
}

function toResetToken(row: ResetTokenRow): ResetToken {
  return {
    tokenSha256: row.token_sha256,
    userId: row.user_id,
    username: row.username,
    createdAt: row.created_at.toISOString(),
    createdBy: row.created_by,
    expiresAt: row.expires_at.toISOString(),
  };
}
