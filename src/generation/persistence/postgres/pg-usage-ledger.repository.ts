import { Injectable } from '@nestjs/common';
import { Database } from '../../../persistence/postgres/database';
import { withoutNul } from '../../../persistence/postgres/pg-text';
import { emptyDay, UserUsage } from '../../usage/usage';
import { DraftReservation, ReservationResult, UsageLedgerRepository } from '../../usage/usage-ledger.repository';

interface DayRow {
  user_id: string;
  day: string;
  jobs: number;
  drafts: number;
  prompt_tokens: string;
  completion_tokens: string;
}

/**
 * The usage ledger in `usage_days` / `usage_users` (migration 11). reserveDrafts is one
 * INSERT … ON CONFLICT DO UPDATE … WHERE that checks the limit and adds the drafts under the
 * (user, day) row's lock: concurrent reservations from any number of hosts queue on that row, each
 * sees the previous one's total, and none overshoots. Inside JobsService's create-job unit (one
 * transaction) the lock is held until the job row is committed with it.
 */
@Injectable()
export class PgUsageLedgerRepository extends UsageLedgerRepository {
  constructor(private readonly db: Database) {
    super();
  }

  reserveDrafts(r: DraftReservation): Promise<ReservationResult> {
    const userId = withoutNul(r.user.id);
    return this.db.transaction(async () => {
      const { rows } = await this.db.query<{ drafts: number }>(
        `INSERT INTO usage_days AS d (user_id, day, jobs, drafts)
         SELECT $1, $2::date, 1, $3 WHERE $4 = 0 OR $3 <= $4
         ON CONFLICT (user_id, day) DO UPDATE SET jobs = d.jobs + 1, drafts = d.drafts + EXCLUDED.drafts
           WHERE $4 = 0 OR d.drafts + EXCLUDED.drafts <= $4
         RETURNING drafts`,
        [userId, r.day, r.count, r.limit],
      );
      if (!rows[0]) return { granted: false, used: await this.draftsUsed(userId, r.day) };
      await this.nameUser(userId, r.user.username);
      await this.db.query('DELETE FROM usage_days WHERE user_id = $1 AND day < $2::date', [userId, r.keepFrom]);
      return { granted: true, used: rows[0].drafts };
    });
  }

  async releaseDrafts(userId: string, day: string, count: number): Promise<void> {
    await this.db.query(
      `UPDATE usage_days SET jobs = greatest(0, jobs - 1), drafts = greatest(0, drafts - $3)
       WHERE user_id = $1 AND day = $2::date`,
      [withoutNul(userId), day, count],
    );
  }

  async addTokens(
    user: { id: string; username: string },
    day: string,
    tokens: { promptTokens: number; completionTokens: number },
  ): Promise<void> {
    const userId = withoutNul(user.id);
    await this.db.transaction(async () => {
      await this.db.query(
        `INSERT INTO usage_days AS d (user_id, day, prompt_tokens, completion_tokens) VALUES ($1, $2::date, $3, $4)
         ON CONFLICT (user_id, day) DO UPDATE SET prompt_tokens = d.prompt_tokens + EXCLUDED.prompt_tokens,
           completion_tokens = d.completion_tokens + EXCLUDED.completion_tokens`,
        [userId, day, tokens.promptTokens, tokens.completionTokens],
      );
      await this.nameUser(userId, user.username);
    });
  }

  async draftsUsed(userId: string, day: string): Promise<number> {
    const { rows } = await this.db.query<{ drafts: number }>(
      'SELECT drafts FROM usage_days WHERE user_id = $1 AND day = $2::date',
      [withoutNul(userId), day],
    );
    return rows[0]?.drafts ?? 0;
  }

  async allUsage(): Promise<UserUsage[]> {
    const [users, days] = await Promise.all([
      this.db.query<{ user_id: string; username: string }>(
        'SELECT user_id, username FROM usage_users ORDER BY user_id',
      ),
      this.db.query<DayRow>(
        `SELECT user_id, to_char(day, 'YYYY-MM-DD') AS day, jobs, drafts, prompt_tokens, completion_tokens
         FROM usage_days ORDER BY user_id, day`,
      ),
    ]);
    const byId = new Map<string, UserUsage>();
    for (const row of users.rows) byId.set(row.user_id, { userId: row.user_id, username: row.username, days: {} });
    for (const row of days.rows) {
      let user = byId.get(row.user_id);
      if (!user) byId.set(row.user_id, (user = { userId: row.user_id, username: row.user_id, days: {} }));
      user.days[row.day] = {
        ...emptyDay(),
        jobs: row.jobs,
        drafts: row.drafts,
        promptTokens: Number(row.prompt_tokens),
        completionTokens: Number(row.completion_tokens),
      };
    }
    return [...byId.values()];
  }

  async hasLedger(): Promise<boolean> {
    const { rows } = await this.db.query<{ written: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM usage_ledger_state) OR EXISTS (SELECT 1 FROM usage_users)
         OR EXISTS (SELECT 1 FROM usage_days) AS written`,
    );
    return rows[0].written;
  }

  async replaceAll(usage: UserUsage[]): Promise<void> {
    const clean = withoutNul(usage);
    await this.db.transaction(async () => {
      // Two rebuilds at once would both delete, then both insert the same keys.
      await this.db.advisoryXactLock('usage:replace-all');
      await this.db.query('DELETE FROM usage_days');
      await this.db.query('DELETE FROM usage_users');
      await this.db.query('INSERT INTO usage_ledger_state (id) VALUES (true) ON CONFLICT (id) DO NOTHING');
      for (const user of clean) {
        await this.nameUser(user.userId, user.username);
        const entries = Object.entries(user.days);
        if (entries.length === 0) continue;
        await this.db.query(
          `INSERT INTO usage_days (user_id, day, jobs, drafts, prompt_tokens, completion_tokens)
           SELECT $1, day, jobs, drafts, prompt_tokens, completion_tokens
           FROM unnest($2::date[], $3::int[], $4::int[], $5::bigint[], $6::bigint[])
             AS t (day, jobs, drafts, prompt_tokens, completion_tokens)
           ON CONFLICT (user_id, day) DO UPDATE SET jobs = EXCLUDED.jobs, drafts = EXCLUDED.drafts,
             prompt_tokens = EXCLUDED.prompt_tokens, completion_tokens = EXCLUDED.completion_tokens`,
          [
            user.userId,
            entries.map(([day]) => day),
            entries.map(([, d]) => d.jobs),
            entries.map(([, d]) => d.drafts),
            entries.map(([, d]) => d.promptTokens),
            entries.map(([, d]) => d.completionTokens),
          ],
        );
      }
    });
  }

  private async nameUser(userId: string, username: string): Promise<void> {
    await this.db.query(
      `INSERT INTO usage_users (user_id, username) VALUES ($1, $2)
       ON CONFLICT (user_id) DO UPDATE SET username = EXCLUDED.username
         WHERE usage_users.username IS DISTINCT FROM EXCLUDED.username`,
      [userId, withoutNul(username)],
    );
  }
}
