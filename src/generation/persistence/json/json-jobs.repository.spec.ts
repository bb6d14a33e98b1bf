import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { aJob } from '../../../../test/factories/generation';
import { AppConfig } from '../../../config/app-config';
import { JsonStore } from '../../../persistence/json/json-store.service';
import { JsonJobQueue } from './json-job-queue';
import { JsonJobsRepository } from './json-jobs.repository';

/** The files' format (SPEC §7, §8): what the contract test cannot see. */
describe('JsonJobsRepository files', () => {
  let dataDir: string;
  let store: JsonStore;
  let repo: JsonJobsRepository;

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-jobs-'));
    store = new JsonStore({ dataDir } as AppConfig);
    repo = new JsonJobsRepository(store);
  });
  afterEach(async () => {
    await store.flush();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const read = (rel: string) => JSON.parse(fs.readFileSync(path.join(dataDir, rel), 'utf8'));
  const write = (rel: string, data: unknown) => {
    fs.mkdirSync(path.dirname(path.join(dataDir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dataDir, rel), JSON.stringify(data));
  };

  it('writes job.json in snake_case and an index row with the brief', async () => {
    const job = aJob();
    await repo.createJob(job);
    expect(read(`jobs/${job.id}/job.json`)).toEqual({
      id: job.id,
      owner: 'alice',
      owner_id: 'u-alice',
      prompt: 'A brief.',
      count: 2,
      status: 'queued',
      provider: 'offline',
      model: 'offline-template-v1',
      created_at: job.createdAt,
      started_at: null,
      finished_at: null,
      error: null,
      usage: { drafts: 0, prompt_tokens: 0, completion_tokens: 0 },
      qc_passed: null,
      claimed_by: null,
      attempts: 0,
    });
    expect(read('jobs/index.json').jobs).toEqual([
      expect.objectContaining({
        id: job.id,
        owner_id: 'u-alice',
        brief: 'A brief.',
        status: 'queued',
        claimed_by: null,
      }),
    ]);
  });

  it('reads prototype rows (pid claims, missing fields) and keeps unknown fields on rewrite', async () => {
    const id = randomUUID();
    write(`jobs/${id}/job.json`, {
      id,
      owner: 'ghost',
      owner_id: 'g',
      prompt: 'Old.',
      count: 1,
      status: 'failed',
      provider: 'offline',
      created_at: '2026-01-01T00:00:00.000Z',
      claimed_by: 4242,
      legacy_note: 'keep me',
    });
    expect(await repo.adoptOrphans()).toBe(1);
    expect(await repo.findJob(id)).toMatchObject({
      attempts: 0,
      claimedBy: '4242',
      usage: { drafts: 0 },
      qcPassed: null,
    });
    await repo.setQcPassed(id, true);
    expect(read(`jobs/${id}/job.json`)).toMatchObject({ legacy_note: 'keep me', qc_passed: true });
  });

  it('a vanished job folder reads as no job, and nothing is created for unknown ids', async () => {
    const job = aJob();
    await repo.createJob(job);
    const unknown = randomUUID();
    expect(await repo.findJob(unknown)).toBeUndefined();
    expect(fs.existsSync(path.join(dataDir, 'jobs', unknown))).toBe(false);
    fs.rmSync(path.join(dataDir, 'jobs', job.id), { recursive: true });
    expect(await repo.findJob(job.id)).toBeUndefined();
    expect(fs.existsSync(path.join(dataDir, 'jobs', job.id))).toBe(false);
  });

  it('adoptOrphans() rebuilds a missing index from job folders in creation order, skipping junk', async () => {
    const older = aJob({ createdAt: '2026-06-01T00:00:00.000Z', status: 'succeeded' });
    const newer = aJob({ createdAt: '2026-06-02T00:00:00.000Z', status: 'running' });
    const other = new JsonJobsRepository(new JsonStore({ dataDir: `${dataDir}-src` } as AppConfig));
    for (const job of [newer, older]) {
      await other.createJob(job);
      fs.mkdirSync(path.join(dataDir, 'jobs', job.id), { recursive: true });
      fs.copyFileSync(
        path.join(`${dataDir}-src`, 'jobs', job.id, 'job.json'),
        path.join(dataDir, 'jobs', job.id, 'job.json'),
      );
    }
    fs.rmSync(`${dataDir}-src`, { recursive: true, force: true });
    fs.mkdirSync(path.join(dataDir, 'jobs', 'not-a-job'), { recursive: true });
    const broken = randomUUID();
    write(`jobs/${broken}/job.json`, 0);
    fs.writeFileSync(path.join(dataDir, 'jobs', broken, 'job.json'), '{ half');

    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    expect(fs.existsSync(path.join(dataDir, 'jobs', 'index.json'))).toBe(false);
    expect(await repo.adoptOrphans()).toBe(2);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining(`Skipping job folder ${broken}`));
    expect((await repo.allJobs()).map((j) => [j.id, j.status])).toEqual([
      [older.id, 'succeeded'],
      [newer.id, 'running'],
    ]);
    expect(await repo.adoptOrphans()).toBe(0);
    warn.mockRestore();
  });

  it('claims record the worker and a lease in the index; rows of older versions (pid, no lease) are expired', async () => {
    const queue = new JsonJobQueue(repo);
    const job = aJob();
    await repo.createJob(job);
    const now = new Date('2026-06-10T12:00:00.000Z');
    await queue.claimNextJob('host:1:abc', { leaseMs: 30_000, maxRunning: 2, now });
    expect(read('jobs/index.json').jobs[0]).toMatchObject({
      status: 'running',
      claimed_by: 'host:1:abc',
      lease_expires_at: '2026-06-10T12:00:30.000Z',
    });

    const old = randomUUID();
    write(`jobs/${old}/job.json`, { ...read(`jobs/${job.id}/job.json`), id: old, status: 'running', claimed_by: 999 });
    const index = read('jobs/index.json');
    index.jobs.push({
      ...index.jobs[0],
      id: old,
      claimed_by: 999,
      claimed_by_runner: 'r1',
      lease_expires_at: undefined,
    });
    write('jobs/index.json', index);
    const recovery = await queue.recoverExpiredLeases('w2', {
      leaseMs: 30_000,
      now,
      maxAttempts: 2,
      running: new Set(),
    });
    expect(recovery.requeued).toEqual([old]);
    const row = read('jobs/index.json').jobs.find((r: { id: string }) => r.id === old);
    expect(row).toMatchObject({ status: 'queued', claimed_by: null, lease_expires_at: null });
    expect(row).not.toHaveProperty('claimed_by_runner');
    expect(read(`jobs/${old}/job.json`)).toMatchObject({ status: 'queued', claimed_by: null });
  });
});
