import { ConflictException, NotFoundException } from '@nestjs/common';
import { AuditService } from '../../audit/audit.service';
import { User } from '../../users/user.model';
import { ManualClock } from '../../common/clock/clock';
import { strictMock } from '../../../test/helpers/strict-mock';
import { GenerationProvider } from '../providers/generation-provider';
import { QcService } from '../qc/qc.service';
import { QuotaExceededError, QuotaService, QuotaStatus } from '../usage/quota.service';
import { ZipService } from '../zip/zip.service';
import { emptyUsage, JobIndexEntry, JobRecord } from './job.model';
import { JobRunner } from './job-runner.service';
import { JobsRepository } from './jobs.repository';
import { JobNotFoundError, JobsService } from './jobs.service';

const user = (fields: Partial<User> = {}): User => ({
  id: 'u-alice',
  username: 'alice',
  role: 'user',
  createdAt: null,
  disabled: false,
  invitedBy: null,
  lastLoginAt: null,
  sessionVersion: 0,
  dailyDrafts: null,
  ...fields,
});

const quotaStatus: QuotaStatus = {
  limit: 5,
  unlimited: false,
  override: false,
  used: 5,
  left: 0,
  resetsAt: '2026-06-11T00:00:00.000Z',
  day: '2026-06-10',
};

function record(fields: Partial<JobRecord> = {}): JobRecord {
  return {
    id: '11111111-1111-4111-8111-111111111111',
    owner: 'alice',
    owner_id: 'u-alice',
    prompt: 'p',
    count: 1,
    status: 'succeeded',
    provider: 'offline',
    model: 'm',
    created_at: '2026-06-10T10:00:00.000Z',
    started_at: null,
    finished_at: null,
    error: null,
    usage: emptyUsage(),
    qc_passed: true,
    claimed_by: null,
    attempts: 1,
    ...fields,
  };
}

describe('JobsService', () => {
  const clock = new ManualClock(new Date('2026-06-10T10:00:00Z'));
  const provider = { name: 'offline', model: 'offline-template-v1' } as GenerationProvider;

  function build(stubs: {
    jobs?: Partial<Record<keyof JobsRepository, unknown>>;
    quota?: Partial<Record<keyof QuotaService, unknown>>;
    audit?: Partial<Record<keyof AuditService, unknown>>;
  }) {
    const jobs = strictMock<JobsRepository>('JobsRepository', stubs.jobs);
    const quota = strictMock<QuotaService>('QuotaService', stubs.quota);
    const runner = strictMock<JobRunner>('JobRunner', { kick: () => undefined });
    const audit = strictMock<AuditService>('AuditService', stubs.audit);
    const service = new JobsService(
      jobs,
      quota,
      runner,
      provider,
      strictMock<QcService>('QcService'),
      strictMock<ZipService>('ZipService'),
      audit,
      clock,
    );
    return { service, jobs, quota, runner, audit };
  }

  it('create() reserves the drafts, writes a queued job owned by the user and wakes the runner', async () => {
    const { service, jobs, quota, runner } = build({
      quota: { reserve: async () => ({ ...quotaStatus, used: 2, left: 3 }) },
      jobs: { create: async () => undefined },
    });
    const job = await service.create(user(), { prompt: 'A brief', count: 2 }, '127.0.0.1');
    expect(quota.reserve).toHaveBeenCalledWith(expect.objectContaining({ id: 'u-alice' }), 2, clock.now());
    expect(job).toMatchObject({
      owner: 'alice',
      owner_id: 'u-alice',
      prompt: 'A brief',
      count: 2,
      status: 'queued',
      provider: 'offline',
      created_at: '2026-06-10T10:00:00.000Z',
      attempts: 0,
    });
    expect(job.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(jobs.create).toHaveBeenCalledWith(job);
    expect(runner.kick).toHaveBeenCalledTimes(1);
  });

  it('create() over the quota audits quota.refused and creates nothing', async () => {
    const refusal = new QuotaExceededError(quotaStatus, 3, 60);
    const { service, jobs, audit, runner } = build({
      quota: { reserve: async () => Promise.reject(refusal) },
      audit: { record: async () => undefined },
    });
    await expect(service.create(user(), { prompt: 'x', count: 3 }, '10.0.0.1')).rejects.toBe(refusal);
    expect(audit.record).toHaveBeenCalledWith('quota.refused', {
      actor: 'alice',
      ip: '10.0.0.1',
      requested: 3,
      limit: 5,
      left: 0,
    });
    expect(jobs.create).not.toHaveBeenCalled();
    expect(runner.kick).not.toHaveBeenCalled();
  });

  it('create() gives the reservation back when the job cannot be written', async () => {
    const { service, quota } = build({
      quota: { reserve: async () => quotaStatus, release: async () => undefined },
      jobs: { create: async () => Promise.reject(new Error('disk full')) },
    });
    await expect(service.create(user(), { prompt: 'x', count: 4 }, 'ip')).rejects.toThrow('disk full');
    expect(quota.release).toHaveBeenCalledWith(expect.objectContaining({ id: 'u-alice' }), 4, clock.now());
  });

  it("findVisible() hides other users' jobs behind a 404 and shows every job to an admin", async () => {
    const entry = { id: record().id, owner_id: 'u-alice' } as JobIndexEntry;
    const { service, jobs } = build({ jobs: { entry: async () => entry, get: async () => record() } });
    await expect(service.findVisible(entry.id, user({ id: 'u-bob', username: 'bob' }))).rejects.toThrow(
      JobNotFoundError,
    );
    expect(jobs.get).not.toHaveBeenCalled();
    await expect(service.findVisible(entry.id, user({ id: 'u-root', role: 'admin' }))).resolves.toMatchObject({
      id: entry.id,
    });
    await expect(service.findVisible(entry.id, user())).resolves.toMatchObject({ id: entry.id });
  });

  it('findVisible() is a 404 for an unknown job', async () => {
    const { service } = build({ jobs: { entry: async () => undefined } });
    const error = await service.findVisible('x', user()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundException);
    expect((error as Error).message).toBe('No such job.');
  });

  it('manifestFor() is a 409 until the job has finished', async () => {
    const running = record({ status: 'running' });
    const { service } = build({
      jobs: { entry: async () => ({ owner_id: 'u-alice' }) as JobIndexEntry, get: async () => running },
    });
    const error = await service.manifestFor(running.id, user()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictException);
    expect((error as Error).message).toBe('The job has not finished yet; its manifest is not ready.');
  });

  it('listAll() pages newest first', async () => {
    const rows = Array.from({ length: 5 }, (_, i) => ({ id: `j${i}` }) as JobIndexEntry);
    const { service } = build({ jobs: { entries: async () => rows } });
    expect((await service.listAll(1, 2)).jobs.map((j) => j.id)).toEqual(['j4', 'j3']);
    expect((await service.listAll(3, 2)).jobs.map((j) => j.id)).toEqual(['j0']);
    expect(await service.listAll(4, 2)).toEqual({ jobs: [], total: 5 });
  });
});
