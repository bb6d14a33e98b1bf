import type { Job } from '../jobs/job';

export interface ClaimOptions {
  /** How long the claim holds without a heartbeat. */
  leaseMs: number;
  /**
   * Jobs running at once on the claiming worker's host (GENERATION_CONCURRENCY): the running jobs whose
   * worker id has the same host part (see workerHost). The files store serves one host, so its queues
   * count every running job.
   */
  maxRunning: number;
  now: Date;
}

/**
 * The host a worker id names: its part before the first ':' (the whole id when there is none). The
 * runner forms ids as `<host>:<pid>:<random>` (JobRunner.workerId); a PostgreSQL queue shared by
 * several hosts counts GENERATION_CONCURRENCY per host with it.
 */
export function workerHost(workerId: string): string {
  const colon = workerId.indexOf(':');
  return colon === -1 ? workerId : workerId.slice(0, colon);
}

export interface RecoveryOptions {
  leaseMs: number;
  now: Date;
  /** A job started this many times is handed back as exhausted instead of re-queued. */
  maxAttempts: number;
  /** Jobs this worker is running right now (its heartbeats keep them; never take them back). */
  running: ReadonlySet<string>;
}

export interface Recovery {
  requeued: string[];
  /** Interrupted too often: claimed by the recovering worker, which must now fail them. */
  exhausted: Job[];
}

/**
 * The queue over the jobs (SPEC §8): claims with leases kept alive by heartbeats, so a worker that
 * dies (any process, any host) loses its jobs when its lease runs out — no process ids, no
 * module-global state. Each method is one atomic step against the store.
 */
export abstract class JobQueue {
  /** Whether any job waits (a cheap read before trying to claim). */
  abstract hasQueued(): Promise<boolean>;
  /** Takes the oldest queued job for `workerId` while fewer than `maxRunning` run; undefined otherwise. */
  abstract claimNextJob(workerId: string, options: ClaimOptions): Promise<string | undefined>;
  /** Extends the lease of a job `workerId` holds; false when the claim was lost. */
  abstract heartbeat(id: string, workerId: string, leaseMs: number, now: Date): Promise<boolean>;
  /**
   * Whether `workerId` still holds the claim on the running job `id` (false once its lease ran out and
   * the job was taken back, or once it finished). Called inside a unit of work before a job's results
   * are written: on a transactional store the job's row then stays locked until the unit ends, so no
   * recovery or other worker can take the job between the check and the writes (they are fenced).
   */
  abstract holdsClaim(id: string, workerId: string): Promise<boolean>;
  /**
   * The worker gives up a claim without running the job (it had finished or vanished meanwhile): the
   * queue settles the job's row from the job itself, failing it when the job is gone.
   */
  abstract release(id: string, workerId: string): Promise<void>;
  /**
   * Running jobs whose lease has expired (or that never had one: older versions, a crash mid-claim)
   * are re-queued, or handed back as exhausted after `maxAttempts`. Jobs already finished are just
   * settled.
   */
  abstract recoverExpiredLeases(workerId: string, options: RecoveryOptions): Promise<Recovery>;
}
