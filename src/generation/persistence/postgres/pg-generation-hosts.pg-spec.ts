import { aJob, aJobOwner } from '../../../../test/factories/generation';
import { usePgDatabase } from '../../../../test/helpers/pg-repository';
import { strictMock } from '../../../../test/helpers/strict-mock';
import { AuditService } from '../../../audit/audit.service';
import { ManualClock, SystemClock } from '../../../common/clock/clock';
import { AppConfig } from '../../../config/app-config';
import { Database } from '../../../persistence/postgres/database';
import { PgUnitOfWork } from '../../../persistence/postgres/pg-unit-of-work';
import { workerHost } from '../../queue/job-queue';
import { JobProcessor } from '../../jobs/job-processor.service';
import { JobRunner, runnerHost } from '../../jobs/job-runner.service';
import { CREATE_JOB_UNIT, JobsService } from '../../jobs/jobs.service';
import { GenerationBrief, GenerationProvider, GenerationResult } from '../../providers/generation-provider';
import { QcService } from '../../qc/qc.service';
import { QuotaExceededError, QuotaService } from '../../usage/quota.service';
import { PgArtifactStore } from './pg-artifact.store';
import { PgJobQueue } from './pg-job-queue';
import { PgJobsRepository } from './pg-jobs.repository';
import { PgUsageLedgerRepository } from './pg-usage-ledger.repository';

/**
 * Generation across hosts: two pools on one database are two hosts, each with its own repositories
 * and services, as two app processes on two machines would have (SPEC §9, issue 19).
 */
const pg = usePgDatabase(['jobs', 'job_files', 'usage_days', 'usage_users', 'usage_ledger_state']);

const T0 = new Date('2026-06-10T12:00:00.000Z');
const LEASE = 30_000;
const at = (ms: number) => new Date(T0.getTime() + ms);
const DAY = '2026-06-10';

function host(db: Database, dailyDrafts = 50) {
  const clock = new ManualClock(T0);
  const config = { generationDailyDrafts: dailyDrafts, qcBannedTerms: [] } as unknown as AppConfig;
  const jobs = new PgJobsRepository(db);
  const queue = new PgJobQueue(db);
  const artifacts = new PgArtifactStore(db);
  const ledger = new PgUsageLedgerRepository(db);
  const units = new PgUnitOfWork(db);
  const quota = new QuotaService(ledger, config, clock);
  return { db, clock, config, jobs, queue, artifacts, ledger, units, quota };
}
type Host = ReturnType<typeof host>;

function jobsService(h: Host): JobsService {
  return new JobsService(
    h.jobs,
    h.artifacts,
    h.units,
    h.quota,
    strictMock<JobRunner>('JobRunner', { kick: () => undefined }),
    { name: 'offline', model: 'offline-template-v1' } as GenerationProvider,
    strictMock<QcService>('QcService'),
    strictMock<AuditService>('AuditService', { record: () => Promise.resolve() }),
    h.clock,
  );
}

/** A provider whose answer waits until the test opens the gate (a slow model, a stalled host). */
function gatedProvider(label: string) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const provider: GenerationProvider = {
    name: 'offline',
    model: `model-${label}`,
    generate: async (brief): Promise<GenerationResult> => {
      await gate;
      return {
        drafts: Array.from({ length: brief.count }, (_, i) => ({
          title: `Draft ${i + 1}`,
          markdown: `# Draft ${i + 1} by ${label}\n\n${'Words of the draft written by the host. '.repeat(20)}\n`,
        })),
        usage: { drafts: brief.count, promptTokens: 10, completionTokens: 20 },
      };
    },
  };
  return { provider, open };
}

function processor(h: Host, provider: GenerationProvider): JobProcessor {
  return new JobProcessor(
    h.jobs,
    h.artifacts,
    h.queue,
    provider,
    new QcService(h.config, h.clock),
    h.quota,
    h.units,
    h.clock,
  );
}

/** Waits until the worker's processor has started its attempt (it then waits in the provider). */
async function startedBy(h: Host, id: string, workerId: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const job = await h.jobs.findJob(id);
    if (job?.attempts && job.claimedBy === workerId && job.startedAt) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`job ${id} was not started by ${workerId}`);
}

const settle = async <T>(promises: Array<Promise<T>>) => {
  const results = await Promise.allSettled(promises);
  return {
    values: results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])),
    errors: results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : [])),
  };
};

describe('Generation on two hosts (PostgreSQL)', () => {
  beforeEach(() => pg.truncate());

  describe('quota check + job creation', () => {
    it('a daily quota raced 20-way across two hosts is never exceeded, and every refusal creates no job', async () => {
      const hosts = [host(pg.db, 7), host(pg.otherHost, 7)];
      const services = hosts.map(jobsService);
      const { values, errors } = await settle(
        Array.from({ length: 20 }, (_, i) =>
          services[i % 2].create(aJobOwner(), { prompt: `Brief ${i}`, count: 1 }, '127.0.0.1'),
        ),
      );
      expect(values).toHaveLength(7);
      expect(errors).toHaveLength(13);
      for (const error of errors) expect(error).toBeInstanceOf(QuotaExceededError);
      expect(await hosts[1].ledger.draftsUsed('u-alice', DAY)).toBe(7);
      expect((await hosts[0].jobs.allJobs()).map((j) => j.id).sort()).toEqual(values.map((j) => j.id).sort());
    });

    it('drafts of several per job: 20 reservations of 2 against 9 across two hosts grant 4 (8 used)', async () => {
      const ledgers = [new PgUsageLedgerRepository(pg.db), new PgUsageLedgerRepository(pg.otherHost)];
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          ledgers[i % 2].reserveDrafts({
            user: { id: 'u-alice', username: 'alice' },
            day: DAY,
            count: 2,
            limit: 9,
            keepFrom: '2026-03-13',
          }),
        ),
      );
      expect(results.filter((r) => r.granted)).toHaveLength(4);
      expect(Math.max(...results.map((r) => r.used))).toBe(8);
      expect(await ledgers[0].draftsUsed('u-alice', DAY)).toBe(8);
    });

    it('a job that cannot be created gives its reservation back (one transaction)', async () => {
      const h = host(pg.db, 5);
      await expect(
        h.units.run(CREATE_JOB_UNIT, async () => {
          await h.quota.reserve(aJobOwner(), 3, T0);
          await h.jobs.createJob(aJob({ status: 'not-a-status' as never }));
        }),
      ).rejects.toThrow();
      expect(await h.ledger.draftsUsed('u-alice', DAY)).toBe(0);
      expect(await h.jobs.allJobs()).toEqual([]);
    });

    it('users do not wait on each other’s quota: another user’s reservations succeed while one holds its row', async () => {
      const [a, b] = [host(pg.db, 5), host(pg.otherHost, 5)];
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let reserved!: () => void;
      const inside = new Promise<void>((resolve) => {
        reserved = resolve;
      });
      const slow = a.db.transaction(async () => {
        await a.quota.reserve(aJobOwner(), 1, T0);
        reserved();
        await held;
      });
      await inside;
      const bob = aJobOwner({ id: 'u-bob', username: 'bob' });
      await expect(b.quota.reserve(bob, 1, T0)).resolves.toMatchObject({ used: 1 });
      release();
      await slow;
      expect(await b.ledger.draftsUsed('u-alice', DAY)).toBe(1);
    });
  });

  describe('the job queue', () => {
    const claim = (h: Host, worker: string, maxRunning: number, now = T0) =>
      h.queue.claimNextJob(worker, { leaseMs: LEASE, maxRunning, now });

    async function createJobs(n: number): Promise<string[]> {
      const repo = new PgJobsRepository(pg.db);
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const job = aJob({ createdAt: new Date(T0.getTime() - 60_000 + i).toISOString() });
        await repo.createJob(job);
        ids.push(job.id);
      }
      return ids;
    }

    it('6 jobs claimed concurrently by 4 workers on two hosts: each exactly once, the limit held per host', async () => {
      for (let round = 0; round < 5; round++) {
        await pg.truncate();
        const ids = await createJobs(6);
        const [a, b] = [host(pg.db), host(pg.otherHost)];
        const workers = [
          { h: a, id: 'host-a:1:w1' },
          { h: a, id: 'host-a:2:w2' },
          { h: b, id: 'host-b:1:w3' },
          { h: b, id: 'host-b:2:w4' },
        ];
        const claimed = new Map<string, string[]>();
        await Promise.all(
          workers.map(async (w) => {
            // Each worker claims until the queue (or its host's limit) says no.
            for (let id = await claim(w.h, w.id, 3); id; id = await claim(w.h, w.id, 3)) {
              claimed.set(id, [...(claimed.get(id) ?? []), w.id]);
            }
          }),
        );
        expect([...claimed.keys()].sort()).toEqual([...ids].sort());
        for (const holders of claimed.values()) expect(holders).toHaveLength(1);
        const byHost = (prefix: string) => [...claimed.values()].filter(([w]) => w.startsWith(prefix)).length;
        expect(byHost('host-a:')).toBe(3);
        expect(byHost('host-b:')).toBe(3);
        expect(await a.queue.hasQueued()).toBe(false);
      }
    });

    it('GENERATION_CONCURRENCY holds per host, not across hosts', async () => {
      await createJobs(4);
      const [a, b] = [host(pg.db), host(pg.otherHost)];
      expect(await claim(a, 'host-a:1:x', 1)).toBeDefined();
      expect(await claim(a, 'host-a:2:y', 1)).toBeUndefined();
      expect(await claim(b, 'host-b:1:x', 1)).toBeDefined();
      expect(await claim(b, 'host-b:1:x', 1)).toBeUndefined();
      expect(await a.queue.hasQueued()).toBe(true);
    });

    it('a claim whose lease ran out is taken back and claimed by the other host; the old holder lost it', async () => {
      const [id] = await createJobs(1);
      const [a, b] = [host(pg.db), host(pg.otherHost)];
      expect(await claim(a, 'host-a:1:w', 2)).toBe(id);
      await a.jobs.startAttempt(id, { workerId: 'host-a:1:w', startedAt: T0.toISOString(), provider: 'p', model: 'm' });
      // Host A stops (no more heartbeats). Before the lease ends, host B leaves it alone.
      const options = { leaseMs: LEASE, maxAttempts: 2, running: new Set<string>() };
      expect(await b.queue.recoverExpiredLeases('host-b:1:w', { ...options, now: at(LEASE - 1) })).toEqual({
        requeued: [],
        exhausted: [],
      });
      expect(await b.queue.recoverExpiredLeases('host-b:1:w', { ...options, now: at(LEASE + 1) })).toEqual({
        requeued: [id],
        exhausted: [],
      });
      expect(await claim(b, 'host-b:1:w', 2, at(LEASE + 2))).toBe(id);
      expect(await a.queue.heartbeat(id, 'host-a:1:w', LEASE, at(LEASE + 3))).toBe(false);
      expect(await a.queue.holdsClaim(id, 'host-a:1:w')).toBe(false);
      await a.queue.release(id, 'host-a:1:w'); // a late release by the old holder changes nothing
      expect(await b.queue.heartbeat(id, 'host-b:1:w', LEASE, at(LEASE + 3))).toBe(true);
      expect(await b.jobs.findJob(id)).toMatchObject({ status: 'running', claimedBy: 'host-b:1:w' });
    });

    it('two hosts recovering at once take back each expired job once; an exhausted one goes to one host', async () => {
      const ids = await createJobs(7);
      const [a, b] = [host(pg.db), host(pg.otherHost)];
      for (const id of ids) {
        expect(await claim(a, 'dead-host:1:w', 10)).toBe(id);
        await a.jobs.startAttempt(id, {
          workerId: 'dead-host:1:w',
          startedAt: T0.toISOString(),
          provider: 'p',
          model: 'm',
        });
      }
      // The last one already ran once before: it is out of attempts.
      await a.jobs.startAttempt(ids[6], {
        workerId: 'dead-host:1:w',
        startedAt: T0.toISOString(),
        provider: 'p',
        model: 'm',
      });
      const options = { leaseMs: LEASE, now: at(LEASE + 1), maxAttempts: 2, running: new Set<string>() };
      const [ra, rb] = await Promise.all([
        a.queue.recoverExpiredLeases('host-a:1:w', options),
        b.queue.recoverExpiredLeases('host-b:1:w', options),
      ]);
      expect([...ra.requeued, ...rb.requeued].sort()).toEqual(ids.slice(0, 6).sort());
      expect([...ra.exhausted, ...rb.exhausted].map((j) => j.id)).toEqual([ids[6]]);
      const taker = ra.exhausted.length === 1 ? 'host-a:1:w' : 'host-b:1:w';
      expect(await a.queue.holdsClaim(ids[6], taker)).toBe(true);
    });
  });

  describe('a job’s results are written once', () => {
    it('a stalled host whose job was taken back and finished elsewhere writes nothing when it wakes', async () => {
      const [a, b] = [host(pg.db), host(pg.otherHost)];
      const job = aJob({ count: 2 });
      await a.jobs.createJob(job);
      const slow = gatedProvider('host-a');
      const fast = gatedProvider('host-b');
      fast.open();

      expect(await a.queue.claimNextJob('host-a:1:w', { leaseMs: LEASE, maxRunning: 2, now: T0 })).toBe(job.id);
      const stalled = processor(a, slow.provider).process(job.id, 'host-a:1:w');
      await startedBy(a, job.id, 'host-a:1:w');
      // Host A is stuck in the provider call without heartbeats; its lease runs out; host B takes over.
      b.clock.set(at(LEASE + 1));
      const recovery = await b.queue.recoverExpiredLeases('host-b:1:w', {
        leaseMs: LEASE,
        now: b.clock.now(),
        maxAttempts: 2,
        running: new Set(),
      });
      expect(recovery.requeued).toEqual([job.id]);
      expect(await b.queue.claimNextJob('host-b:1:w', { leaseMs: LEASE, maxRunning: 2, now: b.clock.now() })).toBe(
        job.id,
      );
      await processor(b, fast.provider).process(job.id, 'host-b:1:w');
      const finished = await b.jobs.findJob(job.id);
      expect(finished).toMatchObject({ status: 'succeeded', attempts: 2, claimedBy: null, model: 'model-host-b' });
      const manifest = await b.artifacts.readManifest(job.id);

      slow.open();
      await stalled;
      // Nothing of host A's run landed: the same manifest, host B's drafts, the tokens counted once.
      expect(await a.jobs.findJob(job.id)).toEqual(finished);
      expect(await a.artifacts.readManifest(job.id)).toEqual(manifest);
      const drafts = await a.artifacts.readArtifacts(
        job.id,
        manifest!.files.map((f) => f.path),
      );
      expect(drafts.map((d) => d.content?.toString())).toEqual([
        expect.stringContaining('by host-b'),
        expect.stringContaining('by host-b'),
      ]);
      expect(manifest!.qc.passed).toBe(true);
      const usage = await a.ledger.allUsage();
      expect(usage[0].days[job.createdAt.slice(0, 10)]).toMatchObject({ promptTokens: 10, completionTokens: 20 });
    });

    it('finishing races recovery: the job is either finished by its holder or taken back, never both', async () => {
      for (let round = 0; round < 8; round++) {
        await pg.truncate();
        const [a, b] = [host(pg.db), host(pg.otherHost)];
        const job = aJob({ count: 1 });
        await a.jobs.createJob(job);
        const gated = gatedProvider('host-a');
        expect(await a.queue.claimNextJob('host-a:1:w', { leaseMs: LEASE, maxRunning: 2, now: T0 })).toBe(job.id);
        const running = processor(a, gated.provider).process(job.id, 'host-a:1:w');
        await startedBy(a, job.id, 'host-a:1:w'); // now waiting in the provider
        gated.open();
        const [recovery] = await Promise.all([
          b.queue.recoverExpiredLeases('host-b:1:w', {
            leaseMs: LEASE,
            now: at(LEASE + 1),
            maxAttempts: 2,
            running: new Set(),
          }),
          running,
        ]);
        const after = await b.jobs.findJob(job.id);
        const manifest = await b.artifacts.readManifest(job.id);
        if (recovery.requeued.length === 1) {
          expect(after).toMatchObject({ status: 'queued', claimedBy: null });
          expect(manifest).toBeUndefined();
          expect(await b.artifacts.readArtifacts(job.id, ['artifacts/01-draft-1.md'])).toEqual([
            { path: 'artifacts/01-draft-1.md', content: null },
          ]);
        } else {
          expect(after).toMatchObject({ status: 'succeeded' });
          expect(manifest).toMatchObject({
            status: 'succeeded',
            files: [expect.objectContaining({ bytes: expect.any(Number) })],
          });
        }
      }
    });
  });

  describe('JobRunner on each host (the services unchanged)', () => {
    /** A provider that takes a while and records which prompts it ran and how many ran at once. */
    function countingProvider() {
      const runs: string[] = [];
      let now = 0;
      let peak = 0;
      const provider: GenerationProvider = {
        name: 'offline',
        model: 'counting',
        generate: async (brief: GenerationBrief): Promise<GenerationResult> => {
          runs.push(brief.prompt);
          peak = Math.max(peak, ++now);
          await new Promise((resolve) => setTimeout(resolve, 80));
          now--;
          return {
            drafts: [{ title: 'Only', markdown: `# Only\n\n${'A draft with enough words to pass. '.repeat(10)}\n` }],
            usage: { drafts: 1, promptTokens: 0, completionTokens: 0 },
          };
        },
      };
      return { provider, runs, peak: () => peak };
    }

    function runnerOn(db: Database, dataDir: string, provider: GenerationProvider) {
      const clock = new SystemClock();
      const config = {
        processRole: 'all',
        generationLeaseSeconds: 30,
        generationConcurrency: 2,
        generationDailyDrafts: 0,
        dataDir,
        qcMinWords: 1,
        qcMaxWords: 2000,
        qcBannedTerms: [],
      } as unknown as AppConfig;
      const jobs = new PgJobsRepository(db);
      const queue = new PgJobQueue(db);
      const ledger = new PgUsageLedgerRepository(db);
      const quota = new QuotaService(ledger, config, clock);
      const units = new PgUnitOfWork(db);
      const work = new JobProcessor(
        jobs,
        new PgArtifactStore(db),
        queue,
        provider,
        new QcService(config, clock),
        quota,
        units,
        clock,
      );
      return new JobRunner(jobs, queue, work, quota, ledger, config, clock, units);
    }

    it('two installs on one machine are two hosts; 6 jobs on two hosts run once each, at most 2 per host', async () => {
      expect(runnerHost('/srv/a')).not.toBe(runnerHost('/srv/b'));
      expect(runnerHost('/srv/a')).toBe(runnerHost('/srv/a/'));
      expect(runnerHost('/srv/a')).not.toContain(':');
      const repo = new PgJobsRepository(pg.db);
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) {
        const job = aJob({
          prompt: `Job number ${i}`,
          count: 1,
          createdAt: new Date(Date.now() - 1000 + i).toISOString(),
        });
        await repo.createJob(job);
        ids.push(job.id);
      }
      const a = countingProvider();
      const b = countingProvider();
      const runners = [runnerOn(pg.db, '/srv/host-a', a.provider), runnerOn(pg.otherHost, '/srv/host-b', b.provider)];
      expect(workerHost(runners[0].workerId)).not.toBe(workerHost(runners[1].workerId));
      await Promise.all(runners.map((runner) => runner.onApplicationBootstrap()));
      try {
        for (let i = 0; i < 400; i++) {
          const all = await repo.allJobs();
          if (all.every((job) => job.status === 'succeeded')) break;
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      } finally {
        await Promise.all(runners.map((runner) => runner.onModuleDestroy()));
      }
      expect((await repo.allJobs()).map((job) => job.status)).toEqual(Array(6).fill('succeeded'));
      const prompts = [...a.runs, ...b.runs].sort();
      expect(prompts).toEqual(Array.from({ length: 6 }, (_, i) => `Job number ${i}`));
      expect(a.peak()).toBeLessThanOrEqual(2);
      expect(b.peak()).toBeLessThanOrEqual(2);
      for (const id of ids) {
        const manifest = await new PgArtifactStore(pg.otherHost).readManifest(id);
        expect(manifest).toMatchObject({ status: 'succeeded', qc: { passed: true } });
      }
    });
  });
});
