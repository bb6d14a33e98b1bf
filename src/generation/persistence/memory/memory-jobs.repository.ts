import { Injectable } from '@nestjs/common';
import { isJobId, isTerminal, Job, JobOutcome, JobSummary, summaryOf } from '../../jobs/job';
import { JobPage, JobPageRequest, JobsRepository } from '../../jobs/jobs.repository';
import { pageNewestFirst } from '../json/json-jobs.repository';

/** A job and its queue state, as MemoryJobQueue sees it. */
export interface MemoryJobRow {
  job: Job;
  leaseExpiresAt: string | null;
}

/** Jobs in memory, for service unit tests; passes the same contract test as the JSON store. */
@Injectable()
export class MemoryJobsRepository extends JobsRepository {
  /** Creation order (the queue's order). */
  readonly rows: MemoryJobRow[] = [];

  createJob(job: Job): Promise<void> {
    if (!this.rows.some((row) => row.job.id === job.id))
      this.rows.push({ job: structuredClone(job), leaseExpiresAt: null });
    return Promise.resolve();
  }

  findJob(id: string): Promise<Job | undefined> {
    const row = this.row(id);
    return Promise.resolve(row && structuredClone(row.job));
  }

  findSummary(id: string): Promise<JobSummary | undefined> {
    const row = this.row(id);
    return Promise.resolve(row && summaryOf(row.job));
  }

  jobsOfUser(userId: string, page: JobPageRequest): Promise<JobPage> {
    const rows = this.rows.map((row) => row.job);
    return Promise.resolve(pageNewestFirst(rows, (job) => job.ownerId === userId, page, summaryOf));
  }

  allJobs(): Promise<JobSummary[]> {
    return Promise.resolve(this.rows.map((row) => summaryOf(row.job)));
  }

  pageOfAllJobs(page: number, perPage: number): Promise<{ jobs: JobSummary[]; total: number }> {
    const end = this.rows.length - (page - 1) * perPage;
    const slice = this.rows.slice(Math.max(0, end - perPage), Math.max(0, end)).reverse();
    return Promise.resolve({ jobs: slice.map((row) => summaryOf(row.job)), total: this.rows.length });
  }

  startAttempt(
    id: string,
    attempt: { workerId: string; startedAt: string; provider: string; model: string },
  ): Promise<Job | undefined> {
    return this.change(id, (job) => {
      if (isTerminal(job.status)) return false;
      Object.assign(job, {
        status: 'running',
        startedAt: attempt.startedAt,
        finishedAt: null,
        error: null,
        claimedBy: attempt.workerId,
        attempts: job.attempts + 1,
        provider: attempt.provider,
        model: attempt.model,
        usage: { drafts: 0, promptTokens: 0, completionTokens: 0 },
      });
    });
  }

  finishJob(id: string, outcome: JobOutcome): Promise<Job | undefined> {
    return this.change(id, (job) => {
      Object.assign(job, {
        status: outcome.status,
        finishedAt: outcome.finishedAt,
        error: outcome.error,
        usage: { ...outcome.usage },
        qcPassed: outcome.qcPassed,
        claimedBy: null,
      });
    });
  }

  setQcPassed(id: string, passed: boolean): Promise<Job | undefined> {
    return this.change(id, (job) => {
      job.qcPassed = passed;
    });
  }

  deleteJob(id: string): Promise<boolean> {
    const row = this.row(id);
    if (!row) return Promise.resolve(false);
    if (!isTerminal(row.job.status)) {
      return Promise.reject(new Error(`Job ${id} is ${row.job.status}; only finished jobs are deleted`));
    }
    this.rows.splice(this.rows.indexOf(row), 1);
    return Promise.resolve(true);
  }

  adoptOrphans(): Promise<number> {
    return Promise.resolve(0);
  }

  row(id: string): MemoryJobRow | undefined {
    return isJobId(id) ? this.rows.find((row) => row.job.id === id) : undefined;
  }

  private change(id: string, fn: (job: Job) => boolean | void): Promise<Job | undefined> {
    const row = this.row(id);
    if (!row) return Promise.resolve(undefined);
    const draft = structuredClone(row.job);
    if (fn(draft) === false) return Promise.resolve(undefined);
    row.job = draft;
    if (draft.status !== 'running') row.leaseExpiresAt = null;
    return Promise.resolve(structuredClone(draft));
  }
}
