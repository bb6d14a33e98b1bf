import { Injectable } from '@nestjs/common';
import { Database } from '../../../persistence/postgres/database';
import { hasNul } from '../../../persistence/postgres/pg-text';
import { InviteCodeTakenError, InviteNotFoundError, InviteNotValidError } from '../../invite-errors';
import { Invite, inviteStatus, NewInviteData } from '../../invite.model';
import { InvitesRepository } from '../../invites.repository';

/** A row of `invites` (migration 3). */
interface InviteRow {
  code: string;
  note: string;
  role: string;
  created_at: Date | null;
  created_by: string | null;
  max_uses: number;
  uses: number;
  used_by: string[];
  expires_at: Date | null;
  revoked_at: Date | null;
}

const COLUMNS = 'code, note, role, created_at, created_by, max_uses, uses, used_by, expires_at, revoked_at';

/**
 * Invite codes in the `invites` table. Every change is one statement on the code's row: redeem is a
 * conditional UPDATE whose WHERE is the "active at now" rule, so concurrent redeems of the last use
 * queue on the row lock and all but one find the condition false (READ COMMITTED re-checks the
 * WHERE on the row the winner committed).
 */
@Injectable()
export class PgInvitesRepository extends InvitesRepository {
  constructor(private readonly db: Database) {
    super();
  }

  async list(now: Date): Promise<Invite[]> {
    const { rows } = await this.db.query<InviteRow>(`SELECT ${COLUMNS} FROM invites ORDER BY seq`);
    return rows.map((row) => toInvite(row, now));
  }

  async findByCode(code: string, now: Date): Promise<Invite | undefined> {
    if (hasNul(code)) return undefined;
    const { rows } = await this.db.query<InviteRow>(`SELECT ${COLUMNS} FROM invites WHERE code = $1`, [code]);
    return rows[0] && toInvite(rows[0], now);
  }

  async createInvite(input: NewInviteData): Promise<Invite> {
    const { rows } = await this.db.query<InviteRow>(
      `INSERT INTO invites (code, note, role, created_at, created_by, max_uses, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (code) DO NOTHING
       RETURNING ${COLUMNS}`,
      [input.code, input.note, input.role, input.createdAt, input.createdBy, input.maxUses, input.expiresAt],
    );
    if (!rows[0]) throw new InviteCodeTakenError();
    return toInvite(rows[0], new Date(input.createdAt));
  }

  async redeemInvite(code: string, username: string, now: Date): Promise<Invite> {
    if (hasNul(code) || hasNul(username)) throw new InviteNotValidError();
    const { rows } = await this.db.query<InviteRow>(
      `UPDATE invites
          SET uses = uses + 1, used_by = array_append(used_by, $2), last_used_at = $3
        WHERE code = $1
          AND revoked_at IS NULL
          AND uses < max_uses
          AND (expires_at IS NULL OR expires_at > $3)
       RETURNING ${COLUMNS}`,
      [code, username, now],
    );
    if (!rows[0]) throw new InviteNotValidError();
    return toInvite(rows[0], now);
  }

  async releaseInvite(code: string, username: string): Promise<void> {
    if (hasNul(code) || hasNul(username)) return;
    await this.db.query(
      'UPDATE invites SET uses = greatest(uses - 1, 0), used_by = array_remove(used_by, $2) WHERE code = $1',
      [code, username],
    );
  }

  async revokeInvite(code: string, revokedBy: string | null, now: Date): Promise<Invite> {
    if (hasNul(code)) throw new InviteNotFoundError();
    // The first revocation's time and author stay (SET sees the row's old values).
    const { rows } = await this.db.query<InviteRow>(
      `UPDATE invites
          SET revoked_at = coalesce(revoked_at, $3),
              revoked_by = CASE WHEN revoked_at IS NULL THEN $2 ELSE revoked_by END
        WHERE code = $1
       RETURNING ${COLUMNS}`,
      [code, revokedBy, now],
    );
    if (!rows[0]) throw new InviteNotFoundError();
    return toInvite(rows[0], now);
  }
}

function toInvite(row: InviteRow, now: Date): Invite {
  const state = {
    revokedAt: row.revoked_at ? row.revoked_at.toISOString() : null,
    uses: row.uses,
    maxUses: row.max_uses,
    expiresAt: row.expires_at ? row.expires_at.toISOString() : null,
  };
  return {
    code: row.code,
    note: row.note,
    role: row.role === 'admin' ? 'admin' : 'user',
    createdAt: row.created_at ? row.created_at.toISOString() : null,
    createdBy: row.created_by,
    ...state,
    usedBy: [...row.used_by],
    status: inviteStatus(state, now),
  };
}
