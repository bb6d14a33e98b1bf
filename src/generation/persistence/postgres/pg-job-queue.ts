import { Injectable } from '@nestjs/common';
import { Database } from '../../../persistence/postgres/database';
import { withoutNul } from '../../../persistence/postgres/pg-text';
import { isJobId } from '../../jobs/job';
import { ClaimOptions, JobQueue, Recovery, RecoveryOptions, workerHost } from '../../queue/job-queue';
import { JOB_COLUMNS, jobFromRow, JobRow } from './pg-jobs.repository';

const leaseEnd = (now: Date, leaseMs: number): Date => new Date(now.getTime() + leaseMs);

/**
 * The queue over the `jobs` rows (claimed_by, lease_expires_at), for any number of hosts:
 *
 * - a claim is one transaction that takes the advisory lock of the claiming worker's host, counts that
 *   host's running jobs against `maxRunning` (GENERATION_CONCURRENCY holds per host: see
 *   workerHost), and takes the oldest queued row with `FOR UPDATE SKIP LOCKED`, so workers of other
 *   hosts never wait for each other and no row is claimed twice;
 * - heartbeat and release are single conditional UPDATEs by the holder's worker id;
 * - recovery takes the expired rows with `FOR UPDATE SKIP LOCKED` and re-queues them (or keeps them,
 *   claimed by the recovering worker, when they are out of attempts) in one statement, so two hosts
 *   recovering at once never handle the same job.
 */
@Injectable()
export class PgJobQueue extends JobQueue {
  constructor(private readonly db: Database) {
    super();
  }

  async hasQueued(): Promise<boolean> {
    const { rows } = await this.db.query<{ queued: boolean }>(
      "SELECT EXISTS (SELECT 1 FROM jobs WHERE status = 'queued') AS queued",
    );
    return rows[0].queued;
  }

  claimNextJob(workerId: string, options: ClaimOptions): Promise<string | undefined> {
    const worker = withoutNul(workerId);
    const host = workerHost(worker);
    return this.db.transaction(async () => {
      await this.db.advisoryXactLock(`jobs:claim:${host}`);
      const running = await this.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM jobs WHERE status = 'running' AND split_part(claimed_by, ':', 1) = $1",
        [host],
      );
      if (running.rows[0].n >= options.maxRunning) return undefined;
      const { rows } = await this.db.query<{ id: string }>(
        `UPDATE jobs SET status = 'running', claimed_by = $1, lease_expires_at = $2
         WHERE id = (
           SELECT id FROM jobs WHERE status = 'queued' ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED
         )
         RETURNING id`,
        [worker, leaseEnd(options.now, options.leaseMs)],
      );
      return rows[0]?.id;
    });
  }

  async heartbeat(id: string, workerId: string, leaseMs: number, now: Date): Promise<boolean> {
    if (!isJobId(id)) return false;
    const { rowCount } = await this.db.query(
      `UPDATE jobs SET lease_expires_at = $3 WHERE id = $1 AND status = 'running' AND claimed_by = $2`,
      [id, withoutNul(workerId), leaseEnd(now, leaseMs)],
    );
    return (rowCount ?? 0) > 0;
  }

  /**
   * `SELECT … FOR UPDATE`: inside the finish unit's transaction the row stays locked until the results
   * are written, so recovery (which skips locked rows) and heartbeats wait or pass it by.
   */
  async holdsClaim(id: string, workerId: string): Promise<boolean> {
    if (!isJobId(id)) return false;
    const { rows } = await this.db.query(
      "SELECT 1 FROM jobs WHERE id = $1 AND status = 'running' AND claimed_by = $2 FOR UPDATE",
      [id, withoutNul(workerId)],
    );
    return rows.length > 0;
  }

  /** One row per job: a claim on a finished job is already settled; a claim on a gone job is gone too. */
  async release(id: string, workerId: string): Promise<void> {
    if (!isJobId(id)) return;
    await this.db.query(
      `UPDATE jobs SET status = 'queued', claimed_by = NULL, lease_expires_at = NULL
       WHERE id = $1 AND status = 'running' AND claimed_by = $2`,
      [id, withoutNul(workerId)],
    );
  }

  async recoverExpiredLeases(workerId: string, options: RecoveryOptions): Promise<Recovery> {
    const { rows } = await this.db.query<JobRow>(
      `WITH expired AS (
         SELECT id FROM jobs
         WHERE status = 'running' AND (lease_expires_at IS NULL OR lease_expires_at <= $2)
           AND NOT (id = ANY ($3::text[]))
         ORDER BY seq
         FOR UPDATE SKIP LOCKED
       )
       UPDATE jobs SET
         status = CASE WHEN jobs.attempts >= $4 THEN 'running' ELSE 'queued' END,
         claimed_by = CASE WHEN jobs.attempts >= $4 THEN $1 ELSE NULL END,
         lease_expires_at = CASE WHEN jobs.attempts >= $4 THEN $5::timestamptz ELSE NULL END
       FROM expired WHERE jobs.id = expired.id
       RETURNING ${JOB_COLUMNS.split(', ')
         .map((column) => `jobs.${column}`)
         .join(', ')}`,
      [
        withoutNul(workerId),
        options.now,
        [...options.running].filter(isJobId),
        options.maxAttempts,
        leaseEnd(options.now, options.leaseMs),
      ],
    );
    rows.sort((a, b) => Number(a.seq) - Number(b.seq));
    return {
      requeued: rows.filter((row) => row.status === 'queued').map((row) => row.id),
      exhausted: rows.filter((row) => row.status === 'running').map(jobFromRow),
    };
  }
}
