import { createHash, randomUUID } from 'node:crypto';
import { aJob } from '../../../test/factories/generation';
import { ArtifactStore } from '../artifacts/artifact-store';
import { JobsRepository } from '../jobs/jobs.repository';
import { JobQueue } from '../queue/job-queue';
import { UsageLedgerRepository } from '../usage/usage-ledger.repository';

/** One store's generation seams, fresh for each test; `close` removes what it made. */
export interface GenerationStores {
  jobs: JobsRepository;
  queue: JobQueue;
  artifacts: ArtifactStore;
  ledger: UsageLedgerRepository;
  close(): Promise<void>;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const NOW = new Date('2026-06-10T12:00:00.000Z');
const LEASE = 30_000;
const at = (ms: number) => new Date(NOW.getTime() + ms);

/** The contract of JobsRepository: what every implementation (json, memory, later postgres) must do. */
export function describeJobsRepositoryContract(name: string, make: () => Promise<GenerationStores>): void {
  describe(`JobsRepository contract (${name})`, () => {
    let s: GenerationStores;
    beforeEach(async () => {
      s = await make();
    });
    afterEach(() => s.close());

    it('creates a job and finds it, its summary, and nothing for unknown or non-UUID ids', async () => {
      const job = aJob({ prompt: `  A brief\nover   lines ${'x'.repeat(100)}` });
      await s.jobs.createJob(job);
      expect(await s.jobs.findJob(job.id)).toEqual(job);
      const summary = await s.jobs.findSummary(job.id);
      expect(summary).toMatchObject({ id: job.id, ownerId: 'u-alice', status: 'queued', count: 2 });
      expect(summary?.brief).toHaveLength(80);
      expect(summary?.brief.startsWith('A brief over lines x')).toBe(true);
      expect(await s.jobs.findJob(randomUUID())).toBeUndefined();
      expect(await s.jobs.findJob('../users')).toBeUndefined();
      expect(await s.jobs.findSummary('..%2Fusers.json')).toBeUndefined();
    });

    it('lists a user’s jobs newest first, a page at a time with a cursor, and every job oldest first', async () => {
      const mine: string[] = [];
      for (let i = 0; i < 5; i++) {
        const job = aJob({ createdAt: `2026-06-10T10:00:0${i}.000Z` });
        mine.push(job.id);
        await s.jobs.createJob(job);
        await s.jobs.createJob(aJob({ ownerId: 'u-bob', owner: 'bob', createdAt: `2026-06-10T10:00:0${i}.500Z` }));
      }
      const first = await s.jobs.jobsOfUser('u-alice', { limit: 2 });
      expect(first.jobs.map((j) => j.id)).toEqual([mine[4], mine[3]]);
      const second = await s.jobs.jobsOfUser('u-alice', { limit: 2, before: first.nextCursor! });
      expect(second.jobs.map((j) => j.id)).toEqual([mine[2], mine[1]]);
      const last = await s.jobs.jobsOfUser('u-alice', { limit: 2, before: second.nextCursor! });
      expect(last).toEqual({ jobs: [expect.objectContaining({ id: mine[0] })], nextCursor: null });
      expect((await s.jobs.jobsOfUser('u-nobody', { limit: 10 })).jobs).toEqual([]);
      expect((await s.jobs.allJobs()).map((j) => j.id).filter((id) => mine.includes(id))).toEqual(mine);
      const page = await s.jobs.pageOfAllJobs(2, 4);
      expect(page.total).toBe(10);
      expect(page.jobs).toHaveLength(4);
    });

    it('starts an attempt, finishes the job, and refuses to start a finished one', async () => {
      const job = aJob();
      await s.jobs.createJob(job);
      const started = await s.jobs.startAttempt(job.id, {
        workerId: 'w1',
        startedAt: NOW.toISOString(),
        provider: 'openai',
        model: 'm',
      });
      expect(started).toMatchObject({ status: 'running', attempts: 1, claimedBy: 'w1', provider: 'openai' });
      const usage = { drafts: 2, promptTokens: 3, completionTokens: 4 };
      const done = await s.jobs.finishJob(job.id, {
        status: 'succeeded',
        finishedAt: at(1000).toISOString(),
        error: null,
        usage,
        qcPassed: false,
      });
      expect(done).toMatchObject({ status: 'succeeded', claimedBy: null, qcPassed: false, usage });
      expect(await s.jobs.findSummary(job.id)).toMatchObject({ status: 'succeeded', qcPassed: false, usage });
      expect(
        await s.jobs.startAttempt(job.id, { workerId: 'w2', startedAt: '', provider: 'x', model: 'y' }),
      ).toBeUndefined();
      expect(await s.jobs.setQcPassed(job.id, true)).toMatchObject({ qcPassed: true });
      expect(await s.jobs.startAttempt(randomUUID(), { workerId: 'w', startedAt: '', provider: '', model: '' })).toBe(
        undefined,
      );
    });

    it('deletes a finished job only', async () => {
      const queued = aJob();
      const done = aJob({ status: 'failed' });
      await s.jobs.createJob(queued);
      await s.jobs.createJob(done);
      await expect(s.jobs.deleteJob(queued.id)).rejects.toThrow(/only finished jobs/);
      expect(await s.jobs.deleteJob(done.id)).toBe(true);
      expect(await s.jobs.findJob(done.id)).toBeUndefined();
      expect((await s.jobs.allJobs()).map((j) => j.id)).toEqual([queued.id]);
      expect(await s.jobs.deleteJob(done.id)).toBe(false);
    });
  });
}

export function describeJobQueueContract(name: string, make: () => Promise<GenerationStores>): void {
  describe(`JobQueue contract (${name})`, () => {
    let s: GenerationStores;
    beforeEach(async () => {
      s = await make();
    });
    afterEach(() => s.close());

    const claimOptions = { leaseMs: LEASE, maxRunning: 2, now: NOW };

    it('claims the oldest queued job, never the same twice, and no more than maxRunning at once', async () => {
      const jobs = [0, 1, 2].map((i) => aJob({ createdAt: `2026-06-10T10:00:0${i}.000Z` }));
      for (const job of jobs) await s.jobs.createJob(job);
      expect(await s.queue.hasQueued()).toBe(true);
      // Workers of one host (the part of the id before ':'): maxRunning is per host.
      const claims = await Promise.all([1, 2, 3, 4].map((i) => s.queue.claimNextJob(`host:w${i}`, claimOptions)));
      const ids = claims.filter(Boolean);
      expect(ids).toHaveLength(2);
      expect(new Set(ids)).toEqual(new Set([jobs[0].id, jobs[1].id]));
      expect((await s.jobs.findSummary(jobs[0].id))?.status).toBe('running');
    });

    it('keeps a claim alive with heartbeats; only the holder may renew it', async () => {
      await s.jobs.createJob(aJob());
      const id = (await s.queue.claimNextJob('w1', claimOptions))!;
      expect(await s.queue.heartbeat(id, 'w2', LEASE, NOW)).toBe(false);
      expect(await s.queue.heartbeat(id, 'w1', LEASE, at(LEASE - 1))).toBe(true);
      // Renewed: still held after the first lease would have run out.
      const early = await s.queue.recoverExpiredLeases('w2', {
        leaseMs: LEASE,
        now: at(LEASE + 1000),
        maxAttempts: 2,
        running: new Set(),
      });
      expect(early).toEqual({ requeued: [], exhausted: [] });
    });

    it('takes back a job whose lease ran out: re-queued, or handed back as exhausted after maxAttempts', async () => {
      const once = aJob({ createdAt: '2026-06-10T10:00:00.000Z' });
      const twice = aJob({ createdAt: '2026-06-10T10:00:01.000Z' });
      await s.jobs.createJob(once);
      await s.jobs.createJob(twice);
      for (const worker of ['w1', 'w2']) {
        const id = (await s.queue.claimNextJob(worker, claimOptions))!;
        await s.jobs.startAttempt(id, { workerId: worker, startedAt: NOW.toISOString(), provider: 'p', model: 'm' });
      }
      // `twice` already ran once before.
      await s.jobs.startAttempt(twice.id, { workerId: 'w2', startedAt: NOW.toISOString(), provider: 'p', model: 'm' });
      const options = { leaseMs: LEASE, maxAttempts: 2, running: new Set<string>() };
      expect(await s.queue.recoverExpiredLeases('w3', { ...options, now: at(LEASE - 1) })).toEqual({
        requeued: [],
        exhausted: [],
      });
      const recovery = await s.queue.recoverExpiredLeases('w3', { ...options, now: at(LEASE + 1) });
      expect(recovery.requeued).toEqual([once.id]);
      expect(recovery.exhausted.map((j) => [j.id, j.attempts])).toEqual([[twice.id, 2]]);
      expect(await s.jobs.findJob(once.id)).toMatchObject({ status: 'queued', claimedBy: null });
      // The old holder's heartbeat now fails; the re-queued job can be claimed again.
      expect(await s.queue.heartbeat(once.id, 'w1', LEASE, at(LEASE + 2))).toBe(false);
      expect(await s.queue.claimNextJob('w4', { ...claimOptions, now: at(LEASE + 2) })).toBe(once.id);
    });

    it('tells whether a worker still holds its claim: not after the job was taken back or finished', async () => {
      const first = aJob({ createdAt: '2026-06-10T10:00:00.000Z' });
      const second = aJob({ createdAt: '2026-06-10T10:00:01.000Z' });
      await s.jobs.createJob(first);
      await s.jobs.createJob(second);
      const a = (await s.queue.claimNextJob('h:w1', claimOptions))!;
      await s.jobs.startAttempt(a, { workerId: 'h:w1', startedAt: NOW.toISOString(), provider: 'p', model: 'm' });
      expect(await s.queue.holdsClaim(a, 'h:w1')).toBe(true);
      expect(await s.queue.holdsClaim(a, 'h:w2')).toBe(false);
      expect(await s.queue.holdsClaim(second.id, 'h:w1')).toBe(false);
      expect(await s.queue.holdsClaim('not-a-job', 'h:w1')).toBe(false);
      await s.queue.recoverExpiredLeases('h:w2', {
        leaseMs: LEASE,
        now: at(LEASE + 1),
        maxAttempts: 2,
        running: new Set(),
      });
      expect(await s.queue.holdsClaim(a, 'h:w1')).toBe(false);
      const again = (await s.queue.claimNextJob('h:w2', { ...claimOptions, now: at(LEASE + 2) }))!;
      expect(again).toBe(a);
      await s.jobs.startAttempt(a, { workerId: 'h:w2', startedAt: NOW.toISOString(), provider: 'p', model: 'm' });
      expect(await s.queue.holdsClaim(a, 'h:w2')).toBe(true);
      await s.jobs.finishJob(a, {
        status: 'succeeded',
        finishedAt: at(LEASE + 3).toISOString(),
        error: null,
        usage: { drafts: 0, promptTokens: 0, completionTokens: 0 },
        qcPassed: true,
      });
      expect(await s.queue.holdsClaim(a, 'h:w2')).toBe(false);
    });

    it('never takes back a job the recovering worker says it is running', async () => {
      await s.jobs.createJob(aJob());
      const id = (await s.queue.claimNextJob('w1', claimOptions))!;
      const recovery = await s.queue.recoverExpiredLeases('w1', {
        leaseMs: LEASE,
        now: at(10 * LEASE),
        maxAttempts: 2,
        running: new Set([id]),
      });
      expect(recovery).toEqual({ requeued: [], exhausted: [] });
    });

    it('release() settles a claim on a job that finished meanwhile', async () => {
      const job = aJob();
      await s.jobs.createJob(job);
      const id = (await s.queue.claimNextJob('w1', claimOptions))!;
      await s.queue.release(id, 'w1');
      expect(await s.queue.claimNextJob('w2', { ...claimOptions, maxRunning: 1 })).toBe(job.id);
    });
  });
}

export function describeArtifactStoreContract(name: string, make: () => Promise<GenerationStores>): void {
  describe(`ArtifactStore contract (${name})`, () => {
    let s: GenerationStores;
    beforeEach(async () => {
      s = await make();
    });
    afterEach(() => s.close());

    it('writes drafts (replacing older ones) with sizes and sha256, reads them back, and the manifest', async () => {
      const job = aJob();
      await s.jobs.createJob(job);
      await s.artifacts.writeArtifacts(job.id, [{ name: 'stale.md', content: 'old' }]);
      const files = await s.artifacts.writeArtifacts(job.id, [
        { name: '01-a.md', content: '# A\n' },
        { name: '02-b.md', content: 'héllo\n' },
      ]);
      expect(files).toEqual([
        { path: 'artifacts/01-a.md', bytes: 4, sha256: sha256('# A\n') },
        { path: 'artifacts/02-b.md', bytes: 7, sha256: sha256('héllo\n') },
      ]);
      const back = await s.artifacts.readArtifacts(job.id, [
        'artifacts/01-a.md',
        'artifacts/stale.md',
        '../../users.json',
      ]);
      expect(back.map((a) => a.content?.toString())).toEqual(['# A\n', undefined, undefined]);
      expect(await s.artifacts.readManifest(job.id)).toBeUndefined();
      const manifest = { job_id: job.id, files } as never;
      await s.artifacts.writeManifest(job.id, manifest);
      expect(await s.artifacts.readManifest(job.id)).toEqual({ job_id: job.id, files });
      const stream = await s.artifacts.openArtifact(job.id, 'artifacts/02-b.md');
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).toString('utf8')).toBe('héllo\n');
    });

    it('refuses names and paths that could leave the job, and fails to open a missing file', async () => {
      const job = aJob();
      await s.jobs.createJob(job);
      await expect(s.artifacts.writeArtifacts(job.id, [{ name: '../escape.md', content: 'x' }])).rejects.toThrow(
        'Bad artifact name',
      );
      await expect(s.artifacts.openArtifact(job.id, '../../users.json')).rejects.toThrow();
      await expect(s.artifacts.openArtifact('not-a-uuid', 'manifest.json')).rejects.toThrow();
      await expect(s.artifacts.openArtifact(job.id, 'manifest.json')).rejects.toThrow();
      expect(await s.artifacts.readManifest('../x')).toBeUndefined();
    });

    it('deletes a job’s drafts and manifest', async () => {
      const job = aJob();
      await s.jobs.createJob(job);
      await s.artifacts.writeArtifacts(job.id, [{ name: '01-a.md', content: 'a' }]);
      await s.artifacts.writeManifest(job.id, { job_id: job.id, files: [] } as never);
      await s.artifacts.deleteArtifacts(job.id);
      expect(await s.artifacts.readManifest(job.id)).toBeUndefined();
      expect((await s.artifacts.readArtifacts(job.id, ['artifacts/01-a.md']))[0].content).toBeNull();
    });
  });
}

export function describeUsageLedgerContract(name: string, make: () => Promise<GenerationStores>): void {
  describe(`UsageLedgerRepository contract (${name})`, () => {
    let s: GenerationStores;
    beforeEach(async () => {
      s = await make();
    });
    afterEach(() => s.close());

    const alice = { id: 'u-alice', username: 'alice' };
    const reserve = (count: number, limit: number, day = '2026-06-10') =>
      s.ledger.reserveDrafts({ user: alice, day, count, limit, keepFrom: '2026-03-13' });

    it('reserves up to the limit, refuses beyond it without changing anything; 0 = unlimited', async () => {
      expect(await s.ledger.hasLedger()).toBe(false);
      expect(await reserve(6, 10)).toEqual({ granted: true, used: 6 });
      expect(await reserve(5, 10)).toEqual({ granted: false, used: 6 });
      expect(await reserve(4, 10)).toEqual({ granted: true, used: 10 });
      expect(await reserve(100, 0)).toEqual({ granted: true, used: 110 });
      expect(await s.ledger.draftsUsed('u-alice', '2026-06-10')).toBe(110);
      expect(await s.ledger.draftsUsed('u-alice', '2026-06-11')).toBe(0);
      expect(await s.ledger.hasLedger()).toBe(true);
    });

    it('is atomic: concurrent reservations never overshoot', async () => {
      const results = await Promise.all(Array.from({ length: 10 }, () => reserve(3, 10)));
      expect(results.filter((r) => r.granted)).toHaveLength(3);
      expect(await s.ledger.draftsUsed('u-alice', '2026-06-10')).toBe(9);
    });

    it('releases a reservation, adds tokens, prunes old days and reports every user', async () => {
      await reserve(1, 0, '2026-01-01');
      await reserve(4, 0);
      await s.ledger.releaseDrafts('u-alice', '2026-06-10', 4);
      await reserve(2, 0);
      await s.ledger.addTokens(alice, '2026-06-10', { promptTokens: 5, completionTokens: 7 });
      await s.ledger.addTokens({ id: 'u-bob', username: 'bob' }, '2026-06-09', {
        promptTokens: 1,
        completionTokens: 1,
      });
      const usage = await s.ledger.allUsage();
      expect(usage.find((u) => u.userId === 'u-alice')).toEqual({
        userId: 'u-alice',
        username: 'alice',
        days: { '2026-06-10': { jobs: 1, drafts: 2, promptTokens: 5, completionTokens: 7 } },
      });
      expect(usage.find((u) => u.userId === 'u-bob')?.days['2026-06-09']).toEqual({
        jobs: 0,
        drafts: 0,
        promptTokens: 1,
        completionTokens: 1,
      });
    });

    it('replaceAll() swaps the whole ledger', async () => {
      await reserve(3, 0);
      await s.ledger.replaceAll([
        {
          userId: 'u-b',
          username: 'b',
          days: { '2026-06-01': { jobs: 1, drafts: 1, promptTokens: 0, completionTokens: 0 } },
        },
      ]);
      expect(await s.ledger.draftsUsed('u-alice', '2026-06-10')).toBe(0);
      expect(await s.ledger.allUsage()).toEqual([
        {
          userId: 'u-b',
          username: 'b',
          days: { '2026-06-01': { jobs: 1, drafts: 1, promptTokens: 0, completionTokens: 0 } },
        },
      ]);
    });
  });
}
