import { Injectable } from '@nestjs/common';
import { Database } from '../../../../persistence/postgres/database';
import { hasNul } from '../../../../persistence/postgres/pg-text';
import { NewEnrolment, TwoFactorState } from '../../two-factor.model';
import { TwoFactorRepository } from '../../two-factor.repository';

interface TwoFactorRow {
  user_id: string;
  pending_sealed_secret: string | null;
  pending_created_at: Date | null;
  sealed_secret: string | null;
  enabled_at: Date | null;
  last_used_step: string | null;
  recovery_code_hashes: string[] | null;
}

/**
 * Two-factor state in `two_factor`, one row per user. Each change is ONE conditional statement, so the
 * compare-and-set the contract asks for holds across hosts without an explicit lock: under READ
 * COMMITTED a second UPDATE of the same row waits for the first to commit, then re-checks its WHERE
 * against the new row (`last_used_step < step`, `hash = ANY(recovery_code_hashes)`): a TOTP step or a
 * recovery code is accepted exactly once however many hosts race with it.
 */
@Injectable()
export class PgTwoFactorRepository extends TwoFactorRepository {
  constructor(private readonly db: Database) {
    super();
  }

  async find(userId: string): Promise<TwoFactorState | undefined> {
    if (hasNul(userId)) return undefined;
    const { rows } = await this.db.query<TwoFactorRow>('SELECT * FROM two_factor WHERE user_id = $1', [userId]);
    return rows.length ? toState(rows[0]) : undefined;
  }

  async enrolledUserIds(): Promise<Set<string>> {
    const { rows } = await this.db.query<{ user_id: string }>(
      'SELECT user_id FROM two_factor WHERE sealed_secret IS NOT NULL',
    );
    return new Set(rows.map((row) => row.user_id));
  }

  async savePending(userId: string, sealedSecret: string, createdAt: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `INSERT INTO two_factor (user_id, pending_sealed_secret, pending_created_at) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO UPDATE
         SET pending_sealed_secret = EXCLUDED.pending_sealed_secret, pending_created_at = EXCLUDED.pending_created_at
         WHERE two_factor.sealed_secret IS NULL`,
      [userId, sealedSecret, createdAt],
    );
    return rowCount === 1;
  }

  async enable(userId: string, enrolment: NewEnrolment): Promise<boolean> {
    if (hasNul(userId)) return false;
    const { rowCount } = await this.db.query(
      `UPDATE two_factor
         SET pending_sealed_secret = NULL, pending_created_at = NULL,
             sealed_secret = $2, enabled_at = $3, last_used_step = $4, recovery_code_hashes = $5::text[]
       WHERE user_id = $1 AND sealed_secret IS NULL AND pending_sealed_secret = $2`,
      [userId, enrolment.sealedSecret, enrolment.enabledAt, enrolment.usedStep, enrolment.recoveryCodeHashes],
    );
    return rowCount === 1;
  }

  async useTimeStep(userId: string, step: number): Promise<boolean> {
    if (hasNul(userId)) return false;
    const { rowCount } = await this.db.query(
      `UPDATE two_factor SET last_used_step = $2
       WHERE user_id = $1 AND sealed_secret IS NOT NULL AND last_used_step < $2`,
      [userId, step],
    );
    return rowCount === 1;
  }

  async useRecoveryCode(userId: string, codeHash: string): Promise<boolean> {
    if (hasNul(userId) || hasNul(codeHash)) return false;
    // Removes the first occurrence only (as the files do), keeping the others' order.
    const { rowCount } = await this.db.query(
      `UPDATE two_factor
         SET recovery_code_hashes =
               recovery_code_hashes[1:array_position(recovery_code_hashes, $2) - 1]
               || recovery_code_hashes[array_position(recovery_code_hashes, $2) + 1:]
       WHERE user_id = $1 AND sealed_secret IS NOT NULL AND $2 = ANY(recovery_code_hashes)`,
      [userId, codeHash],
    );
    return rowCount === 1;
  }

  async remove(userId: string): Promise<boolean> {
    if (hasNul(userId)) return false;
    const { rows } = await this.db.query<{ was_on: boolean }>(
      'DELETE FROM two_factor WHERE user_id = $1 RETURNING sealed_secret IS NOT NULL AS was_on',
      [userId],
    );
    return rows.length === 1 && rows[0].was_on;
  }
}

function toState(row: TwoFactorRow): TwoFactorState {
  return {
    userId: row.user_id,
    pending:
      row.pending_sealed_secret !== null && row.pending_created_at !== null
        ? { sealedSecret: row.pending_sealed_secret, createdAt: row.pending_created_at.toISOString() }
        : null,
    enrolment:
      row.sealed_secret !== null && row.enabled_at !== null
        ? {
            sealedSecret: row.sealed_secret,
            enabledAt: row.enabled_at.toISOString(),
            lastUsedStep: Number(row.last_used_step),
            recoveryCodeHashes: [...(row.recovery_code_hashes ?? [])],
          }
        : null,
  };
}
