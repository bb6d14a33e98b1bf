import { Injectable } from '@nestjs/common';
import { Database } from '../../../persistence/postgres/database';
import { withoutNul } from '../../../persistence/postgres/pg-text';
import { isJobId, Job, JobOutcome, JobStatus, JobSummary, summaryOf } from '../../jobs/job';
import { JobPage, JobPageRequest, JobsRepository } from '../../jobs/jobs.repository';

/** A row of `jobs` (migration 9), as pg hands it over (bigint columns arrive as strings). */
export interface JobRow {
  id: string;
  seq: string;
  owner: string;
  owner_id: string;
  prompt: string;
  count: number;
  status: string;
  provider: string;
  model: string;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  error: string | null;
  usage_drafts: number;
  usage_prompt_tokens: string;
  usage_completion_tokens: string;
  qc_passed: boolean | null;
  attempts: number;
  claimed_by: string | null;
  lease_expires_at: Date | null;
}

export const JOB_COLUMNS =
  'id, seq, owner, owner_id, prompt, count, status, provider, model, created_at, started_at, finished_at, error, ' +
  'usage_drafts, usage_prompt_tokens, usage_completion_tokens, qc_passed, attempts, claimed_by, lease_expires_at';

export const TERMINAL_SQL = "('succeeded', 'failed')";

/**
 * Jobs in the `jobs` table: one row per job is the whole record, so every change is one statement by
 * id (atomic on its own, and joined to the caller's UnitOfWork transaction when there is one). `seq`
 * gives creation order; cursors are job ids, resolved to their `seq`. PgJobQueue works on the same
 * rows (claimed_by, lease_expires_at).
 */
@Injectable()
export class PgJobsRepository extends JobsRepository {
  constructor(private readonly db: Database) {
    super();
  }

  async createJob(job: Job): Promise<void> {
    const clean = withoutNul(job);
    await this.db.query(
      `INSERT INTO jobs (id, owner, owner_id, prompt, count, status, provider, model, created_at, started_at,
         finished_at, error, usage_drafts, usage_prompt_tokens, usage_completion_tokens, qc_passed, attempts,
         claimed_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
       ON CONFLICT (id) DO NOTHING`,
      [
        clean.id,
        clean.owner,
        clean.ownerId,
        clean.prompt,
        clean.count,
        clean.status,
        clean.provider,
        clean.model,
        clean.createdAt,
        clean.startedAt || null,
        clean.finishedAt || null,
        clean.error,
        clean.usage.drafts,
        clean.usage.promptTokens,
        clean.usage.completionTokens,
        clean.qcPassed,
        clean.attempts,
        clean.claimedBy,
      ],
    );
  }

  async findJob(id: string): Promise<Job | undefined> {
    if (!isJobId(id)) return undefined;
    const { rows } = await this.db.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = $1`, [id]);
    return rows[0] && jobFromRow(rows[0]);
  }

  async findSummary(id: string): Promise<JobSummary | undefined> {
    const job = await this.findJob(id);
    return job && summaryOf(job);
  }

  async jobsOfUser(userId: string, page: JobPageRequest): Promise<JobPage> {
    let before: string | null = null;
    if (page.before !== undefined) {
      if (!isJobId(page.before)) return { jobs: [], nextCursor: null };
      const { rows } = await this.db.query<{ seq: string }>('SELECT seq FROM jobs WHERE id = $1', [page.before]);
      if (!rows[0]) return { jobs: [], nextCursor: null };
      before = rows[0].seq;
    }
    const limit = Math.max(0, Math.floor(page.limit));
    const { rows } = await this.db.query<JobRow>(
      `SELECT ${JOB_COLUMNS} FROM jobs WHERE owner_id = $1 AND ($2::bigint IS NULL OR seq < $2::bigint)
       ORDER BY seq DESC LIMIT $3`,
      [withoutNul(userId), before, limit + 1],
    );
    const jobs = rows.slice(0, limit).map((row) => summaryOf(jobFromRow(row)));
    return { jobs, nextCursor: rows.length > limit && jobs.length > 0 ? jobs[jobs.length - 1].id : null };
  }

  async allJobs(): Promise<JobSummary[]> {
    const { rows } = await this.db.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs ORDER BY seq`);
    return rows.map((row) => summaryOf(jobFromRow(row)));
  }

  async pageOfAllJobs(page: number, perPage: number): Promise<{ jobs: JobSummary[]; total: number }> {
    const size = Math.max(0, Math.floor(perPage));
    const offset = Math.max(0, Math.floor(page) - 1) * size;
    const [list, total] = await Promise.all([
      this.db.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs ORDER BY seq DESC LIMIT $1 OFFSET $2`, [size, offset]),
      this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM jobs'),
    ]);
    return { jobs: list.rows.map((row) => summaryOf(jobFromRow(row))), total: total.rows[0].n };
  }

  async startAttempt(
    id: string,
    attempt: { workerId: string; startedAt: string; provider: string; model: string },
  ): Promise<Job | undefined> {
    if (!isJobId(id)) return undefined;
    const a = withoutNul(attempt);
    const { rows } = await this.db.query<JobRow>(
      `UPDATE jobs SET status = 'running', started_at = $2, finished_at = NULL, error = NULL, claimed_by = $3,
         attempts = attempts + 1, provider = $4, model = $5,
         usage_drafts = 0, usage_prompt_tokens = 0, usage_completion_tokens = 0
       WHERE id = $1 AND status NOT IN ${TERMINAL_SQL}
       RETURNING ${JOB_COLUMNS}`,
      [id, a.startedAt || null, a.workerId, a.provider, a.model],
    );
    return rows[0] && jobFromRow(rows[0]);
  }

  async finishJob(id: string, outcome: JobOutcome): Promise<Job | undefined> {
    if (!isJobId(id)) return undefined;
    const { rows } = await this.db.query<JobRow>(
      `UPDATE jobs SET status = $2, finished_at = $3, error = $4, usage_drafts = $5, usage_prompt_tokens = $6,
         usage_completion_tokens = $7, qc_passed = $8, claimed_by = NULL, lease_expires_at = NULL
       WHERE id = $1
       RETURNING ${JOB_COLUMNS}`,
      [
        id,
        outcome.status,
        outcome.finishedAt || null,
        outcome.error === null ? null : withoutNul(outcome.error),
        outcome.usage.drafts,
        outcome.usage.promptTokens,
        outcome.usage.completionTokens,
        outcome.qcPassed,
      ],
    );
    return rows[0] && jobFromRow(rows[0]);
  }

  async setQcPassed(id: string, passed: boolean): Promise<Job | undefined> {
    if (!isJobId(id)) return undefined;
    const { rows } = await this.db.query<JobRow>(
      `UPDATE jobs SET qc_passed = $2 WHERE id = $1 RETURNING ${JOB_COLUMNS}`,
      [id, passed],
    );
    return rows[0] && jobFromRow(rows[0]);
  }

  async deleteJob(id: string): Promise<boolean> {
    if (!isJobId(id)) return false;
    const { rowCount } = await this.db.query(`DELETE FROM jobs WHERE id = $1 AND status IN ${TERMINAL_SQL}`, [id]);
    if (rowCount) return true;
    const { rows } = await this.db.query<{ status: string }>('SELECT status FROM jobs WHERE id = $1', [id]);
    if (!rows[0]) return false;
    throw new Error(`Job ${id} is ${rows[0].status}; only finished jobs are deleted`);
  }

  /** One row per job: nothing can be missing from the lists. */
  adoptOrphans(): Promise<number> {
    return Promise.resolve(0);
  }
}

const iso = (at: Date | null): string | null => (at ? at.toISOString() : null);

export function jobFromRow(row: JobRow): Job {
  return {
    id: row.id,
    owner: row.owner,
    ownerId: row.owner_id,
    prompt: row.prompt,
    count: row.count,
    status: row.status as JobStatus,
    provider: row.provider,
    model: row.model,
    createdAt: row.created_at.toISOString(),
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    error: row.error,
    usage: {
      drafts: row.usage_drafts,
      promptTokens: Number(row.usage_prompt_tokens),
      completionTokens: Number(row.usage_completion_tokens),
    },
    qcPassed: row.qc_passed,
    claimedBy: row.claimed_by,
    attempts: row.attempts,
  };
}
