import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { Clock } from '../../common/clock/clock';
import { AppConfig, ProcessRole } from '../../config/app-config';
import { UnitOfWork } from '../../persistence/unit-of-work';
import { JobQueue } from '../queue/job-queue';
import { QuotaService } from '../usage/quota.service';
import { UsageLedgerRepository } from '../usage/usage-ledger.repository';
import { INTERRUPTED_MESSAGE, JobProcessor } from './job-processor.service';
import { JobsRepository } from './jobs.repository';

export const POLL_INTERVAL_MS = 300;
/** How often expired leases are looked for after start-up (more often when leases are shorter). */
export const ORPHAN_CHECK_INTERVAL_MS = 5000;
/** The unit of work that rebuilds a missing usage ledger at start-up. */
export const REBUILD_LEDGER_UNIT = 'generation.rebuild-ledger';
/** A job interrupted this many times is failed instead of being retried again. */
export const MAX_ATTEMPTS = 2;
/** How long shutdown waits for jobs in flight before leaving them `running` for the next start. */
export const SHUTDOWN_GRACE_MS = 3000;

/**
 * The host part of this process's worker ids (JobQueue's workerHost): the machine's name and which
 * install on it (a short hash of the absolute DATA_DIR). Processes of one install share a host, so
 * GENERATION_CONCURRENCY holds per machine as SPEC §3 says; two installs on one machine (separate
 * DATA_DIRs on one database, as the multi-host tests run them) are two hosts. See DECISIONS.
 */
export function runnerHost(dataDir: string): string {
  const install = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 8);
  return `${hostname().replaceAll(':', '-')}~${install}`;
}

/** Web workers set GATEHOUSE_ROLE=web and only enqueue; a single runner process per machine runs jobs. */
export function runsJobs(role: ProcessRole): boolean {
  return role === 'all' || role === 'runner';
}

/**
 * The background worker. It claims jobs from the JobQueue with a lease (GENERATION_LEASE_SECONDS) that
 * it renews by heartbeat every third of the lease while a job runs; a worker that dies stops renewing,
 * and once its lease has run out any worker takes the job back (re-queued, or failed after
 * MAX_ATTEMPTS). The queue counts the running jobs of this worker's host, so GENERATION_CONCURRENCY
 * holds per host (the files store serves one host; with PostgreSQL each host has its own limit). It
 * polls the queue (a cheap cached read) and is woken at once by an in-process enqueue.
 */
@Injectable()
export class JobRunner implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('JobRunner');
  /** Names this worker in claims: `<host>:<pid>:<per-instance id>` (host: runnerHost). */
  readonly workerId: string;
  private readonly enabled: boolean;
  private readonly leaseMs: number;
  /** Job id → its run, for jobs this worker is running. */
  private readonly active = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** The tick in progress, if any (shutdown waits for it so no claim is left half-handled). */
  private ticking: Promise<void> | undefined;
  private tickAgain = false;
  private lastRecovery = 0;

  constructor(
    private readonly jobs: JobsRepository,
    private readonly queue: JobQueue,
    private readonly processor: JobProcessor,
    private readonly quota: QuotaService,
    private readonly ledger: UsageLedgerRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly units: UnitOfWork,
  ) {
    this.workerId = `${runnerHost(config.dataDir)}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.enabled = runsJobs(config.processRole);
    this.leaseMs = config.generationLeaseSeconds * 1000;
  }

  get isEnabled(): boolean {
    return this.enabled;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.enabled) return;
    await this.recover();
    this.timer = setInterval(() => void this.tick(), POLL_INTERVAL_MS);
    this.timer.unref();
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), Math.max(250, Math.floor(this.leaseMs / 3)));
    this.heartbeatTimer.unref();
    void this.tick();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
    if (this.active.size > 0) {
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.active.values()]),
        new Promise<void>((resolve) => {
          timeout = setTimeout(resolve, SHUTDOWN_GRACE_MS);
        }),
      ]);
      clearTimeout(timeout);
    }
    // Jobs still running stop being renewed: their leases run out and another worker takes them back.
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
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
   * Start-up: adopt jobs missing from the lists, rebuild a missing usage ledger, and take back running
   * jobs whose lease has run out. Jobs left `queued` simply stay in the queue.
   */
  async recover(): Promise<void> {
    const adopted = await this.jobs.adoptOrphans();
    if (adopted > 0) this.logger.log(`Adopted ${adopted} job(s) missing from the index`);
    // One unit, so hosts (or processes) starting at once rebuild a missing ledger once: the others then find it.
    await this.units.run(REBUILD_LEDGER_UNIT, async () => {
      if (await this.ledger.hasLedger()) return;
      const all = await this.jobs.allJobs();
      if (all.length > 0) await this.quota.rebuild(all);
    });
    await this.recoverExpiredLeases();
  }

  private async recoverExpiredLeases(): Promise<void> {
    this.lastRecovery = Date.now();
    const { requeued, exhausted } = await this.queue.recoverExpiredLeases(this.workerId, {
      leaseMs: this.leaseMs,
      now: this.clock.now(),
      maxAttempts: MAX_ATTEMPTS,
      running: new Set(this.active.keys()),
    });
    for (const id of requeued) this.logger.warn(`Re-queued job ${id}: its worker's lease ran out`);
    for (const job of exhausted) {
      this.logger.warn(`Job ${job.id} was interrupted ${job.attempts} times; marking it failed`);
      try {
        await this.processor.fail(job, INTERRUPTED_MESSAGE, job.usage, this.workerId);
      } catch (error) {
        this.logger.error(`Could not fail job ${job.id}: ${(error as Error).message}`);
      }
    }
  }

  /** Renews the lease of every job this worker runs. */
  private async heartbeat(): Promise<void> {
    for (const id of this.active.keys()) {
      try {
        const held = await this.queue.heartbeat(id, this.workerId, this.leaseMs, this.clock.now());
        if (!held) this.logger.warn(`Lost the claim on job ${id} (its lease ran out before a heartbeat)`);
      } catch (error) {
        this.logger.error(`Heartbeat for job ${id} failed: ${(error as Error).message}`);
      }
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
    const recoveryEvery = Math.min(ORPHAN_CHECK_INTERVAL_MS, Math.max(POLL_INTERVAL_MS, this.leaseMs / 2));
    try {
      do {
        this.tickAgain = false;
        if (Date.now() - this.lastRecovery > recoveryEvery) await this.recoverExpiredLeases();
        await this.fill();
      } while (this.tickAgain && !this.stopped);
    } catch (error) {
      this.logger.error(`Queue poll failed: ${(error as Error).message}`);
    }
  }

  /** Claims and starts jobs while this runner and its host's limit have room. */
  private async fill(): Promise<void> {
    const limit = this.config.generationConcurrency;
    while (!this.stopped && this.active.size < limit) {
      if (!(await this.queue.hasQueued())) return;
      const id = await this.queue.claimNextJob(this.workerId, {
        leaseMs: this.leaseMs,
        maxRunning: limit,
        now: this.clock.now(),
      });
      if (!id) return;
      // Stopped while claiming: leave the claim; its lease runs out and the job is taken back.
      if (this.stopped) return;
      const run: Promise<void> = this.processor
        .process(id, this.workerId)
        .catch((error: Error) => this.logger.error(`Job ${id} crashed: ${error.message}`))
        .finally(() => {
          this.active.delete(id);
          if (!this.stopped) void this.tick();
        });
      this.active.set(id, run);
    }
  }
}
