import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppConfig, ProcessRole } from '../../config/app-config';
import { QuotaService } from '../usage/quota.service';
import { UsageLedgerRepository } from '../usage/usage-ledger.repository';
import { emptyUsage, isTerminal, JobIndexEntry } from './job.model';
import { INTERRUPTED_MESSAGE, JobProcessor } from './job-processor.service';
import { JobsRepository } from './jobs.repository';

export const POLL_INTERVAL_MS = 300;
/** How often running jobs of dead processes are looked for after start-up. */
export const ORPHAN_CHECK_INTERVAL_MS = 5000;
/** A job interrupted this many times is failed instead of being retried again. */
export const MAX_ATTEMPTS = 2;
/** How long shutdown waits for jobs in flight before leaving them `running` for the next start. */
export const SHUTDOWN_GRACE_MS = 3000;

/** Runner instances alive in this process (several apps can share one pid in tests). */
const liveRunners = new Set<string>();

/** Web workers set GATEHOUSE_ROLE=web and only enqueue; a single runner process per machine runs jobs. */
export function runsJobs(role: ProcessRole): boolean {
  return role === 'all' || role === 'runner';
}

/**
 * The background queue. Jobs are claimed from jobs/index.json with one atomic store mutation
 * (queued → running, with this pid and runner id) that also counts every running job, so
 * GENERATION_CONCURRENCY holds for the whole machine and no job is taken twice. The runner polls
 * the index (a cheap cached read) and is also woken at once when a job is enqueued in-process.
 */
@Injectable()
export class JobRunner implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('JobRunner');
  readonly runnerId = randomUUID();
  private readonly enabled: boolean;
  private readonly active = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** The tick in progress, if any (shutdown waits for it so no claim is left half-handled). */
  private ticking: Promise<void> | undefined;
  private tickAgain = false;
  private lastOrphanCheck = 0;

  constructor(
    private readonly jobs: JobsRepository,
    private readonly processor: JobProcessor,
    private readonly quota: QuotaService,
    private readonly ledger: UsageLedgerRepository,
    private readonly config: AppConfig,
  ) {
    this.enabled = runsJobs(config.processRole);
  }

  get isEnabled(): boolean {
    return this.enabled;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.enabled) return;
    liveRunners.add(this.runnerId);
    await this.recover();
    this.timer = setInterval(() => void this.tick(), POLL_INTERVAL_MS);
    this.timer.unref();
    void this.tick();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    liveRunners.delete(this.runnerId);
    await this.ticking;
    if (this.active.size === 0) return;
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.active]),
      new Promise<void>((resolve) => {
        timeout = setTimeout(resolve, SHUTDOWN_GRACE_MS);
      }),
    ]);
    clearTimeout(timeout);
  }

  /** A job was enqueued in this process: look at the queue now rather than at the next poll. */
  kick(): void {
    if (this.enabled && !this.stopped) void this.tick();
  }

  /** Jobs this runner is running right now. */
  get inFlight(): number {
    return this.active.size;
  }

  /**
   * Start-up: adopt job folders missing from the index, rebuild a missing usage ledger, and re-queue
   * (or fail, after MAX_ATTEMPTS) jobs left `running` by a process that is gone. Jobs left `queued`
   * simply stay in the queue.
   */
  async recover(): Promise<void> {
    const hadIndex = await this.jobs.indexExists();
    const adopted = await this.jobs.adoptOrphans();
    if (adopted > 0) {
      this.logger.log(`Adopted ${adopted} job folder(s) missing from the index${hadIndex ? '' : ' (index rebuilt)'}`);
    }
    if (!(await this.ledger.exists())) {
      const entries = await this.jobs.entries();
      if (entries.length > 0) await this.quota.rebuild(entries);
    }
    await this.recoverDeadClaims();
  }

  private async recoverDeadClaims(): Promise<void> {
    this.lastOrphanCheck = Date.now();
    const stale = (await this.jobs.entries()).filter((e) => e.status === 'running' && !this.claimerAlive(e));
    for (const entry of stale) {
      try {
        await this.recoverOne(entry);
      } catch (error) {
        this.logger.error(`Could not recover job ${entry.id}: ${(error as Error).message}`);
      }
    }
  }

  private async recoverOne(entry: JobIndexEntry): Promise<void> {
    const job = await this.jobs.readJobFile(entry.id);
    if (!job) {
      await this.jobs.mutateIndex((entries) => {
        const row = entries.find((e) => e.id === entry.id);
        if (row && row.status === 'running' && !this.claimerAlive(row)) {
          row.status = 'failed';
          row.claimed_by = null;
          row.claimed_by_runner = null;
        }
      });
      return;
    }
    if (isTerminal(job.status)) {
      await this.jobs.syncIndex(job);
      return;
    }
    if ((job.attempts ?? 0) >= MAX_ATTEMPTS) {
      this.logger.warn(`Job ${job.id} was interrupted ${job.attempts} times; marking it failed`);
      await this.processor.fail(job, INTERRUPTED_MESSAGE, job.usage ?? emptyUsage());
      return;
    }
    // Take it back into the queue only if nobody claimed it meanwhile.
    const requeued = await this.jobs.mutateIndex((entries) => {
      const row = entries.find((e) => e.id === entry.id);
      if (!row || row.status !== 'running' || this.claimerAlive(row)) return false;
      row.status = 'queued';
      row.claimed_by = null;
      row.claimed_by_runner = null;
      return true;
    });
    if (!requeued) return;
    this.logger.warn(`Re-queued job ${job.id}, interrupted while ${job.status}`);
    await this.jobs.update(job.id, (j) => {
      if (isTerminal(j.status)) return false;
      j.status = 'queued';
      j.claimed_by = null;
    });
  }

  /** Whether the process (and, in this process, the runner instance) that claimed a job still exists. */
  private claimerAlive(entry: JobIndexEntry): boolean {
    const pid = entry.claimed_by;
    if (!pid) return false;
    if (pid === process.pid) return !!entry.claimed_by_runner && liveRunners.has(entry.claimed_by_runner);
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  }

  private tick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.ticking) {
      this.tickAgain = true;
      return this.ticking;
    }
    this.ticking = this.runTicks().finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  private async runTicks(): Promise<void> {
    try {
      do {
        this.tickAgain = false;
        if (Date.now() - this.lastOrphanCheck > ORPHAN_CHECK_INTERVAL_MS) await this.recoverDeadClaims();
        await this.fill();
      } while (this.tickAgain && !this.stopped);
    } catch (error) {
      this.logger.error(`Queue poll failed: ${(error as Error).message}`);
    }
  }

  /** Claims and starts jobs while this runner and the machine-wide limit have room. */
  private async fill(): Promise<void> {
    const limit = this.config.generationConcurrency;
    while (!this.stopped && this.active.size < limit) {
      const entries = await this.jobs.entries();
      if (!entries.some((e) => e.status === 'queued')) return;
      const id = await this.jobs.mutateIndex((rows) => {
        if (rows.filter((e) => e.status === 'running').length >= limit) return undefined;
        const next = rows.find((e) => e.status === 'queued');
        if (!next) return undefined;
        next.status = 'running';
        next.claimed_by = process.pid;
        next.claimed_by_runner = this.runnerId;
        return next.id;
      });
      if (!id) return;
      // Stopped while claiming: leave the claim; the next start re-queues it (its runner is gone).
      if (this.stopped) return;
      const run: Promise<void> = this.processor
        .process(id)
        .catch((error: Error) => this.logger.error(`Job ${id} crashed: ${error.message}`))
        .finally(() => {
          this.active.delete(run);
          if (!this.stopped) void this.tick();
        });
      this.active.add(run);
    }
  }
}
