import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { AuditService } from '../../audit/audit.service';
import { Clock } from '../../common/clock/clock';
import { DomainError } from '../../common/errors/domain-error';
import { UnitOfWork } from '../../persistence/unit-of-work';
import { User } from '../../users/user.model';
import { ArtifactStore } from '../artifacts/artifact-store';
import { Manifest } from '../artifacts/manifest';
import { GenerationProvider } from '../providers/generation-provider';
import { QcService } from '../qc/qc.service';
import { QuotaExceededError, QuotaService } from '../usage/quota.service';
import { emptyUsage, isJobId, isTerminal, Job, JobSummary } from './job';
import { JobRunner } from './job-runner.service';
import { JobPage, JobsRepository } from './jobs.repository';

/** /jobs shows this many per page; the API's `limit` defaults to it and may go up to MAX_JOBS_PER_PAGE. */
export const JOBS_PER_PAGE = 50;
export const MAX_JOBS_PER_PAGE = 100;

/** 404 for a job that does not exist or is not yours (never say which). */
export class JobNotFoundError extends DomainError {
  constructor() {
    super('not_found', 'No such job.');
  }
}

export interface NewJobInput {
  prompt: string;
  count: number;
}

/** What the zip of a job holds: the controller streams it (archiver), the service only says what goes in. */
export interface ZipContents {
  filename: string;
  entries: Array<{ name: string; open: () => Promise<Readable> }>;
}

/** The unit of work that makes "check the quota, then create the job" one step across processes. */
export const CREATE_JOB_UNIT = 'generation.create-job';

/**
 * Jobs as users and admins see them: creation under the quota, ownership (anyone else gets a 404,
 * admins see all), manifests, the zip's contents, and re-running QC.
 */
@Injectable()
export class JobsService {
  constructor(
    private readonly jobs: JobsRepository,
    private readonly artifacts: ArtifactStore,
    private readonly units: UnitOfWork,
    private readonly quota: QuotaService,
    private readonly runner: JobRunner,
    private readonly provider: GenerationProvider,
    private readonly qc: QcService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /**
   * Reserves the drafts and creates the job (status `queued`) in one unit of work; never waits for
   * generation. Over the limit: QuotaExceededError (429), an audit event, and no job.
   */
  async create(user: User, input: NewJobInput, ip: string): Promise<Job> {
    const now = this.clock.now();
    const job: Job = {
      id: randomUUID(),
      owner: user.username,
      ownerId: user.id,
      prompt: input.prompt,
      count: input.count,
      status: 'queued',
      provider: this.provider.name,
      model: this.provider.model,
      createdAt: now.toISOString(),
      startedAt: null,
      finishedAt: null,
      error: null,
      usage: emptyUsage(),
      qcPassed: null,
      claimedBy: null,
      attempts: 0,
    };
    try {
      await this.units.run(CREATE_JOB_UNIT, async (unit) => {
        await this.quota.reserve(user, input.count, now);
        unit.onRollback(() => this.quota.release(user, input.count, now));
        await this.jobs.createJob(job);
      });
    } catch (error) {
      if (error instanceof QuotaExceededError) {
        await this.audit.record('quota.refused', {
          actor: user.username,
          ip,
          requested: input.count,
          limit: error.quota.limit,
          left: error.quota.left,
        });
      }
      throw error;
    }
    this.runner.kick();
    return job;
  }

  /** The job if `user` owns it or is an admin; otherwise (or if it does not exist) a 404. */
  async findVisible(id: string, user: User): Promise<Job> {
    // One read: findJob answers only for a listed job, and the record carries its owner.
    const job = await this.jobs.findJob(id);
    if (!job || !canSee(job, user)) throw new JobNotFoundError();
    return job;
  }

  /** The manifest once the job has finished (409 before). */
  async manifestFor(id: string, user: User): Promise<{ job: Job; manifest: Manifest }> {
    const job = await this.findVisible(id, user);
    const manifest = isTerminal(job.status) ? await this.artifacts.readManifest(id) : undefined;
    if (!manifest) throw new DomainError('conflict', 'The job has not finished yet; its manifest is not ready.');
    return { job, manifest };
  }

  /** The manifest if there is one (pages show it while the job runs, too). */
  async manifestIfAny(job: Job): Promise<Manifest | undefined> {
    return isTerminal(job.status) ? this.artifacts.readManifest(job.id) : undefined;
  }

  /**
   * The user's jobs, newest first, `limit` at a time after the `before` cursor (a job id from the
   * previous page's `nextCursor`). A cursor that is not a job id is refused (`before` is the field).
   */
  async listOwn(user: User, page: { before?: string; limit?: number } = {}): Promise<JobPage> {
    const limit = page.limit ?? JOBS_PER_PAGE;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_JOBS_PER_PAGE) {
      throw new DomainError('invalid_input', `limit must be a whole number from 1 to ${MAX_JOBS_PER_PAGE}.`, {
        field: 'limit',
      });
    }
    if (page.before !== undefined && !isJobId(page.before)) {
      throw new DomainError('invalid_input', 'before must be a job id from a previous page.', { field: 'before' });
    }
    return this.jobs.jobsOfUser(user.id, { before: page.before, limit });
  }

  /** Newest first, a page at a time; a page number that is not a whole number is page 1. */
  async listAll(pageParam: string | undefined, perPage: number) {
    const page = /^\d{1,6}$/.test(pageParam ?? '') ? Math.max(1, Number(pageParam)) : 1;
    const { jobs, total } = await this.jobs.pageOfAllJobs(page, perPage);
    const pages = Math.max(1, Math.ceil(total / perPage));
    return {
      jobs,
      total,
      page,
      pages,
      prevPage: page > 1 ? page - 1 : null,
      nextPage: page < pages ? page + 1 : null,
    };
  }

  /** `<jobId>.zip`: the artifacts and manifest.json; 409 until the job succeeded. */
  async zipFor(id: string, user: User): Promise<ZipContents> {
    const job = await this.findVisible(id, user);
    const manifest = job.status === 'succeeded' ? await this.artifacts.readManifest(id) : undefined;
    if (!manifest) throw new DomainError('conflict', 'The job has not succeeded; there is nothing to download yet.');
    return {
      filename: `${id}.zip`,
      entries: [
        ...manifest.files.map((file) => ({ name: file.path, open: () => this.artifacts.openArtifact(id, file.path) })),
        { name: 'manifest.json', open: () => this.artifacts.openArtifact(id, 'manifest.json') },
      ],
    };
  }

  /**
   * Deletes a finished job (owner or admin): its drafts, manifest and record. Conflict while it is
   * queued or running. The drafts it reserved stay counted in the usage ledger (no quota refund).
   */
  async delete(id: string, user: User, ip: string, confirmed: boolean): Promise<void> {
    const job = await this.findVisible(id, user);
    if (!confirmed) throw new DomainError('invalid_input', 'Tick “confirm” to delete this job.', { field: 'confirm' });
    if (!isTerminal(job.status)) {
      throw new DomainError('conflict', 'This job is still queued or running; it can be deleted once it has finished.');
    }
    await this.units.run(`generation.delete-job`, async () => {
      await this.artifacts.deleteArtifacts(id);
      await this.jobs.deleteJob(id);
    });
    await this.audit.record('job.delete', { actor: user.username, ip, job: id, owner: job.owner });
  }

  /** Recomputes QC from the stored files and rewrites the manifest atomically (admin). */
  async rerunQc(id: string, actor: User, ip: string): Promise<Manifest> {
    const { manifest } = await this.manifestFor(id, actor);
    const qc = this.qc.run(
      manifest.files,
      await this.artifacts.readArtifacts(
        id,
        manifest.files.map((f) => f.path),
      ),
    );
    const updated: Manifest = { ...manifest, qc };
    await this.artifacts.writeManifest(id, updated);
    await this.jobs.setQcPassed(id, qc.passed);
    await this.audit.record('job.qc_rerun', { actor: actor.username, ip, job: id, qc_ok: qc.passed });
    return updated;
  }
}

function canSee(job: Pick<JobSummary, 'ownerId'>, user: User): boolean {
  return user.role === 'admin' || job.ownerId === user.id;
}
