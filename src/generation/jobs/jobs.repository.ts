import type { Job, JobOutcome, JobSummary } from './job';

/** A page of a user's jobs, newest first; `nextCursor` continues after the last one. */
export interface JobPage {
  jobs: JobSummary[];
  nextCursor: string | null;
}

export interface JobPageRequest {
  /** Jobs created before this cursor (from a previous page's `nextCursor`). */
  before?: string;
  limit: number;
}

/**
 * Jobs (SPEC §8), by intent. The queue (claims, leases, recovery) is JobQueue's; drafts and manifests
 * are ArtifactStore's. Every method treats a non-UUID id as "no such job".
 */
export abstract class JobsRepository {
  abstract createJob(job: Job): Promise<void>;
  abstract findJob(id: string): Promise<Job | undefined>;
  abstract findSummary(id: string): Promise<JobSummary | undefined>;
  /** The user's jobs, newest first, a page at a time. */
  abstract jobsOfUser(userId: string, page: JobPageRequest): Promise<JobPage>;
  /** Every job, oldest first (creation order, which is also the queue order). */
  abstract allJobs(): Promise<JobSummary[]>;
  /** Every job, newest first, `page` (1-based) of `perPage`. */
  abstract pageOfAllJobs(page: number, perPage: number): Promise<{ jobs: JobSummary[]; total: number }>;
  /**
   * A claimed job starts an attempt: `running`, attempts + 1, claimed by `workerId`, usage reset.
   * undefined when the job is gone or already finished.
   */
  abstract startAttempt(
    id: string,
    attempt: { workerId: string; startedAt: string; provider: string; model: string },
  ): Promise<Job | undefined>;
  /** The job ends (succeeded or failed) and is no longer claimed. */
  abstract finishJob(id: string, outcome: JobOutcome): Promise<Job | undefined>;
  abstract setQcPassed(id: string, passed: boolean): Promise<Job | undefined>;
  /** Removes a finished job; false when it does not exist. Refuses (throws) a job that is not finished. */
  abstract deleteJob(id: string): Promise<boolean>;
  /**
   * Start-up repair: jobs the store holds but its lists miss (a crash between two writes) are listed
   * again. Returns how many were adopted.
   */
  abstract adoptOrphans(): Promise<number>;
}
