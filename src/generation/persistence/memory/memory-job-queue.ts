import { Injectable } from '@nestjs/common';
import { JobsRepository } from '../../jobs/jobs.repository';
import { ClaimOptions, JobQueue, Recovery, RecoveryOptions } from '../../queue/job-queue';
import { MemoryJobRow, MemoryJobsRepository } from './memory-jobs.repository';

function holds(row: MemoryJobRow, now: Date): boolean {
  return !!row.leaseExpiresAt && Date.parse(row.leaseExpiresAt) > now.getTime();
}

/** The queue over MemoryJobsRepository's rows (same semantics as JsonJobQueue; one process only). */
@Injectable()
export class MemoryJobQueue extends JobQueue {
  private readonly jobs: MemoryJobsRepository;

  constructor(jobs: JobsRepository) {
    super();
    if (!(jobs instanceof MemoryJobsRepository)) throw new Error('MemoryJobQueue needs the memory jobs repository');
    this.jobs = jobs;
  }

  hasQueued(): Promise<boolean> {
    return Promise.resolve(this.jobs.rows.some((row) => row.job.status === 'queued'));
  }

  claimNextJob(workerId: string, options: ClaimOptions): Promise<string | undefined> {
    const rows = this.jobs.rows;
    if (rows.filter((row) => row.job.status === 'running').length >= options.maxRunning) {
      return Promise.resolve(undefined);
    }
    const next = rows.find((row) => row.job.status === 'queued');
    if (!next) return Promise.resolve(undefined);
    next.job = { ...next.job, status: 'running', claimedBy: workerId };
    next.leaseExpiresAt = new Date(options.now.getTime() + options.leaseMs).toISOString();
    return Promise.resolve(next.job.id);
  }

  heartbeat(id: string, workerId: string, leaseMs: number, now: Date): Promise<boolean> {
    const row = this.jobs.row(id);
    if (!row || row.job.status !== 'running' || row.job.claimedBy !== workerId) return Promise.resolve(false);
    row.leaseExpiresAt = new Date(now.getTime() + leaseMs).toISOString();
    return Promise.resolve(true);
  }

  holdsClaim(id: string, workerId: string): Promise<boolean> {
    const row = this.jobs.row(id);
    return Promise.resolve(!!row && row.job.status === 'running' && row.job.claimedBy === workerId);
  }

  release(id: string, workerId: string): Promise<void> {
    const row = this.jobs.row(id);
    if (row && row.job.status === 'running' && row.job.claimedBy === workerId) {
      row.job = { ...row.job, status: 'queued', claimedBy: null };
      row.leaseExpiresAt = null;
    }
    return Promise.resolve();
  }

  recoverExpiredLeases(workerId: string, options: RecoveryOptions): Promise<Recovery> {
    const recovery: Recovery = { requeued: [], exhausted: [] };
    for (const row of this.jobs.rows) {
      if (row.job.status !== 'running' || holds(row, options.now) || options.running.has(row.job.id)) continue;
      if (row.job.attempts >= options.maxAttempts) {
        row.job = { ...row.job, claimedBy: workerId };
        row.leaseExpiresAt = new Date(options.now.getTime() + options.leaseMs).toISOString();
        recovery.exhausted.push(structuredClone(row.job));
        continue;
      }
      row.job = { ...row.job, status: 'queued', claimedBy: null };
      row.leaseExpiresAt = null;
      recovery.requeued.push(row.job.id);
    }
    return Promise.resolve(recovery);
  }
}
