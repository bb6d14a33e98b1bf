import { Injectable } from '@nestjs/common';
import { isTerminal } from '../../jobs/job';
import { JobsRepository } from '../../jobs/jobs.repository';
import { ClaimOptions, JobQueue, Recovery, RecoveryOptions } from '../../queue/job-queue';
import { jobFromRecord, JobIndexRow } from './job.record';
import { JsonJobsRepository } from './json-jobs.repository';

/** A row's lease holds when it has one that ends after `now`. Rows of older versions have none. */
export function leaseHolds(row: Pick<JobIndexRow, 'lease_expires_at'>, now: Date): boolean {
  return !!row.lease_expires_at && Date.parse(row.lease_expires_at) > now.getTime();
}

/**
 * The queue over jobs/index.json: every claim, heartbeat and take-back is one index mutation under
 * the store's cross-process lock, so no job is taken twice and GENERATION_CONCURRENCY holds for every
 * process sharing DATA_DIR. job.json follows through JsonJobsRepository.
 */
@Injectable()
export class JsonJobQueue extends JobQueue {
  private readonly jobs: JsonJobsRepository;

  constructor(jobs: JobsRepository) {
    super();
    if (!(jobs instanceof JsonJobsRepository)) throw new Error('JsonJobQueue needs the JSON jobs repository');
    this.jobs = jobs;
  }

  async hasQueued(): Promise<boolean> {
    return (await this.jobs.index.read()).jobs.some((row) => row.status === 'queued');
  }

  claimNextJob(workerId: string, options: ClaimOptions): Promise<string | undefined> {
    return this.jobs.index.update((data) => {
      if (data.jobs.filter((row) => row.status === 'running').length >= options.maxRunning) return undefined;
      const next = data.jobs.find((row) => row.status === 'queued');
      if (!next) return undefined;
      next.status = 'running';
      claim(next, workerId, options.leaseMs, options.now);
      return next.id;
    });
  }

  heartbeat(id: string, workerId: string, leaseMs: number, now: Date): Promise<boolean> {
    return this.jobs.index.update((data) => {
      const row = data.jobs.find((j) => j.id === id);
      if (!row || row.status !== 'running' || row.claimed_by !== workerId) return false;
      row.lease_expires_at = new Date(now.getTime() + leaseMs).toISOString();
      return true;
    });
  }

  /** The index row's claim (the queue's record of who holds it); a check under the finish unit's lock. */
  async holdsClaim(id: string, workerId: string): Promise<boolean> {
    const row = (await this.jobs.index.read()).jobs.find((j) => j.id === id);
    return !!row && row.status === 'running' && row.claimed_by === workerId;
  }

  async recoverExpiredLeases(workerId: string, options: RecoveryOptions): Promise<Recovery> {
    const { now, leaseMs } = options;
    const cheap = (await this.jobs.index.read()).jobs;
    if (!cheap.some((row) => row.status === 'running' && !leaseHolds(row, now) && !options.running.has(row.id))) {
      return { requeued: [], exhausted: [] };
    }
    // Take the expired claims over first, so two recovering workers never handle the same job.
    const taken = await this.jobs.index.update((data) => {
      const ids: string[] = [];
      for (const row of data.jobs) {
        if (row.status !== 'running' || leaseHolds(row, now) || options.running.has(row.id)) continue;
        claim(row, workerId, leaseMs, now);
        ids.push(row.id);
      }
      return ids;
    });
    const recovery: Recovery = { requeued: [], exhausted: [] };
    for (const id of taken) {
      const record = await this.jobs.readRecord(id);
      if (!record) {
        await this.settleRow(id, workerId);
        continue;
      }
      if (isTerminal(record.status)) {
        await this.jobs.syncRow(record);
        continue;
      }
      if ((record.attempts ?? 0) >= options.maxAttempts) {
        recovery.exhausted.push(jobFromRecord(record));
        continue;
      }
      const requeued = await this.jobs.index.update((data) => {
        const row = data.jobs.find((j) => j.id === id);
        if (!row || row.status !== 'running' || row.claimed_by !== workerId) return false;
        row.status = 'queued';
        release(row);
        return true;
      });
      if (!requeued) continue;
      await this.jobs.updateRecord(id, (j) => {
        if (isTerminal(j.status)) return false;
        j.status = 'queued';
        j.claimed_by = null;
      });
      recovery.requeued.push(id);
    }
    return recovery;
  }

  async release(id: string, workerId: string): Promise<void> {
    const record = await this.jobs.readRecord(id);
    if (record) await this.jobs.syncRow(record);
    else await this.settleRow(id, workerId);
  }

  /** job.json is gone: the row cannot run again. */
  private async settleRow(id: string, workerId: string): Promise<void> {
    await this.jobs.index.update((data) => {
      const row = data.jobs.find((j) => j.id === id);
      if (row && row.status === 'running' && row.claimed_by === workerId) {
        row.status = 'failed';
        release(row);
      }
    });
  }
}

function claim(row: JobIndexRow, workerId: string, leaseMs: number, now: Date): void {
  row.claimed_by = workerId;
  row.lease_expires_at = new Date(now.getTime() + leaseMs).toISOString();
  delete row.claimed_by_runner;
}

function release(row: JobIndexRow): void {
  row.claimed_by = null;
  row.lease_expires_at = null;
  delete row.claimed_by_runner;
}
