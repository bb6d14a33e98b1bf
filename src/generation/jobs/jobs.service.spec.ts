import { AuditService } from '../../audit/audit.service';
import { ManualClock } from '../../common/clock/clock';
import { DomainError } from '../../common/errors/domain-error';
import { Unit, UnitOfWork } from '../../persistence/unit-of-work';
import { aJob, aJobOwner, aManifest } from '../../../test/factories/generation';
import { strictMock } from '../../../test/helpers/strict-mock';
import { MemoryArtifactStore } from '../persistence/memory/memory-artifact.store';
import { MemoryJobsRepository } from '../persistence/memory/memory-jobs.repository';
import { GenerationProvider } from '../providers/generation-provider';
import { QcService } from '../qc/qc.service';
import { QuotaExceededError, QuotaService, QuotaStatus } from '../usage/quota.service';
import { JobRunner } from './job-runner.service';
import { CREATE_JOB_UNIT, JobNotFoundError, JobsService } from './jobs.service';

const quotaStatus: QuotaStatus = {
  limit: 5,
  unlimited: false,
  override: false,
  used: 5,
  left: 0,
  resetsAt: '2026-06-11T00:00:00.000Z',
  day: '2026-06-10',
};

/** A unit of work in one process: runs undo steps newest first when the unit fails. */
class InlineUnitOfWork extends UnitOfWork {
  readonly names: string[] = [];
  async run<T>(name: string, fn: (unit: Unit) => Promise<T>): Promise<T> {
    this.names.push(name);
    const undo: Array<() => Promise<void>> = [];
    try {
      return await fn({ onRollback: (step) => void undo.push(step) });
    } catch (error) {
      for (const step of undo.reverse()) await step();
      throw error;
    }
  }
}

describe('JobsService', () => {
  const clock = new ManualClock(new Date('2026-06-10T10:00:00Z'));
  const provider = { name: 'offline', model: 'offline-template-v1' } as GenerationProvider;

  function build(stubs: {
    quota?: Partial<Record<keyof QuotaService, unknown>>;
    audit?: Partial<Record<keyof AuditService, unknown>>;
  }) {
    const jobs = new MemoryJobsRepository();
    const artifacts = new MemoryArtifactStore();
    const units = new InlineUnitOfWork();
    const quota = strictMock<QuotaService>('QuotaService', stubs.quota);
    const runner = strictMock<JobRunner>('JobRunner', { kick: () => undefined });
    const audit = strictMock<AuditService>('AuditService', stubs.audit);
    const service = new JobsService(
      jobs,
      artifacts,
      units,
      quota,
      runner,
      provider,
      strictMock<QcService>('QcService'),
      audit,
      clock,
    );
    return { service, jobs, artifacts, units, quota, runner, audit };
  }

  it('create() reserves the drafts and writes a queued job in one unit of work, then wakes the runner', async () => {
    const { service, jobs, quota, runner, units } = build({
      quota: { reserve: async () => ({ ...quotaStatus, used: 2, left: 3 }) },
    });
    const job = await service.create(aJobOwner(), { prompt: 'A brief', count: 2 }, '127.0.0.1');
    expect(quota.reserve).toHaveBeenCalledWith(expect.objectContaining({ id: 'u-alice' }), 2, clock.now());
    expect(units.names).toEqual([CREATE_JOB_UNIT]);
    expect(job).toMatchObject({
      owner: 'alice',
      ownerId: 'u-alice',
      prompt: 'A brief',
      count: 2,
      status: 'queued',
      provider: 'offline',
      createdAt: '2026-06-10T10:00:00.000Z',
      attempts: 0,
    });
    expect(job.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await jobs.findJob(job.id)).toEqual(job);
    expect(runner.kick).toHaveBeenCalledTimes(1);
  });

  it('create() over the quota audits quota.refused and creates nothing', async () => {
    const refusal = new QuotaExceededError(quotaStatus, 3, 60);
    const { service, jobs, audit, runner } = build({
      quota: { reserve: async () => Promise.reject(refusal) },
      audit: { record: async () => undefined },
    });
    await expect(service.create(aJobOwner(), { prompt: 'x', count: 3 }, '10.0.0.1')).rejects.toBe(refusal);
    expect(refusal).toBeInstanceOf(DomainError);
    expect(refusal).toMatchObject({ code: 'too_many_requests', retryAfterSeconds: 60 });
    expect(audit.record).toHaveBeenCalledWith('quota.refused', {
      actor: 'alice',
      ip: '10.0.0.1',
      requested: 3,
      limit: 5,
      left: 0,
    });
    expect(await jobs.allJobs()).toEqual([]);
    expect(runner.kick).not.toHaveBeenCalled();
  });

  it('create() gives the reservation back when the job cannot be written (the unit rolls back)', async () => {
    const { service, jobs, quota } = build({
      quota: { reserve: async () => quotaStatus, release: async () => undefined },
    });
    jest.spyOn(jobs, 'createJob').mockRejectedValue(new Error('disk full'));
    await expect(service.create(aJobOwner(), { prompt: 'x', count: 4 }, 'ip')).rejects.toThrow('disk full');
    expect(quota.release).toHaveBeenCalledWith(expect.objectContaining({ id: 'u-alice' }), 4, clock.now());
  });

  it("findVisible() hides other users' jobs behind a 404 and shows every job to an admin", async () => {
    const { service, jobs } = build({});
    const job = aJob({ status: 'succeeded' });
    await jobs.createJob(job);
    await expect(service.findVisible(job.id, aJobOwner({ id: 'u-bob', username: 'bob' }))).rejects.toThrow(
      JobNotFoundError,
    );
    await expect(service.findVisible(job.id, aJobOwner({ id: 'u-root', role: 'admin' }))).resolves.toMatchObject({
      id: job.id,
    });
    await expect(service.findVisible(job.id, aJobOwner())).resolves.toEqual(job);
  });

  it('findVisible() is a not_found DomainError for an unknown job', async () => {
    const { service } = build({});
    const error = await service.findVisible('x', aJobOwner()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'not_found', message: 'No such job.' });
  });

  it('manifestFor() is a conflict until the job has finished', async () => {
    const { service, jobs } = build({});
    const running = aJob({ status: 'running' });
    await jobs.createJob(running);
    const error = await service.manifestFor(running.id, aJobOwner()).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'conflict',
      message: 'The job has not finished yet; its manifest is not ready.',
    });
  });

  it('zipFor() names the zip and lists the drafts then manifest.json; conflict until the job succeeded', async () => {
    const { service, jobs, artifacts } = build({});
    const job = aJob({ status: 'succeeded' });
    await jobs.createJob(job);
    const files = await artifacts.writeArtifacts(job.id, [{ name: '01-a.md', content: 'a' }]);
    await artifacts.writeManifest(job.id, aManifest(job, { files }));
    const zip = await service.zipFor(job.id, aJobOwner());
    expect(zip.filename).toBe(`${job.id}.zip`);
    expect(zip.entries.map((e) => e.name)).toEqual(['artifacts/01-a.md', 'manifest.json']);
    await expect(zip.entries[0].open()).resolves.toBeDefined();

    const failed = aJob({ status: 'failed' });
    await jobs.createJob(failed);
    await expect(service.zipFor(failed.id, aJobOwner())).rejects.toMatchObject({ code: 'conflict' });
  });

  it('listAll() pages newest first and reads a bad page number as page 1', async () => {
    const { service, jobs } = build({});
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const job = aJob({ createdAt: `2026-06-10T10:00:0${i}.000Z` });
      ids.push(job.id);
      await jobs.createJob(job);
    }
    expect((await service.listAll('1', 2)).jobs.map((j) => j.id)).toEqual([ids[4], ids[3]]);
    expect(await service.listAll('3', 2)).toMatchObject({ jobs: [expect.objectContaining({ id: ids[0] })], page: 3 });
    expect(await service.listAll('4', 2)).toMatchObject({ jobs: [], total: 5, pages: 3, prevPage: 3, nextPage: null });
    expect(await service.listAll('x', 2)).toMatchObject({ page: 1, prevPage: null, nextPage: 2 });
  });

  it('delete() removes a finished job and its files, audits job.delete, and never refunds the quota', async () => {
    const { service, jobs, artifacts, audit } = build({ audit: { record: async () => undefined } });
    const job = aJob({ status: 'failed' });
    await jobs.createJob(job);
    await artifacts.writeManifest(job.id, aManifest(job));
    await service.delete(job.id, aJobOwner(), '10.0.0.2', true);
    expect(await jobs.findJob(job.id)).toBeUndefined();
    expect(await artifacts.readManifest(job.id)).toBeUndefined();
    expect(audit.record).toHaveBeenCalledWith('job.delete', {
      actor: 'alice',
      ip: '10.0.0.2',
      job: job.id,
      owner: 'alice',
    });
  });

  it('delete() refuses a queued or running job (conflict), an unconfirmed one, and someone else’s (not_found)', async () => {
    const { service, jobs } = build({});
    const running = aJob({ status: 'running' });
    const done = aJob({ status: 'succeeded' });
    await jobs.createJob(running);
    await jobs.createJob(done);
    await expect(service.delete(running.id, aJobOwner(), 'ip', true)).rejects.toMatchObject({ code: 'conflict' });
    await expect(service.delete(done.id, aJobOwner(), 'ip', false)).rejects.toMatchObject({
      code: 'invalid_input',
      fields: { confirm: [expect.any(String)] },
    });
    await expect(service.delete(done.id, aJobOwner({ id: 'u-bob' }), 'ip', true)).rejects.toMatchObject({
      code: 'not_found',
    });
    expect(await jobs.findJob(done.id)).toBeDefined();
  });

  it('listOwn() pages newest first and refuses a bad limit or cursor', async () => {
    const { service, jobs } = build({});
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const job = aJob({ createdAt: `2026-06-10T10:00:0${i}.000Z` });
      ids.push(job.id);
      await jobs.createJob(job);
    }
    await jobs.createJob(aJob({ ownerId: 'u-bob' }));
    const first = await service.listOwn(aJobOwner(), { limit: 2 });
    expect(first.jobs.map((j) => j.id)).toEqual([ids[2], ids[1]]);
    expect((await service.listOwn(aJobOwner(), { before: first.nextCursor! })).jobs.map((j) => j.id)).toEqual([ids[0]]);
    for (const page of [{ limit: 0 }, { limit: 101 }, { limit: 1.5 }, { before: '../x' }]) {
      await expect(service.listOwn(aJobOwner(), page)).rejects.toMatchObject({ code: 'invalid_input' });
    }
  });
});
