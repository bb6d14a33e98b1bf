import { ConflictException, Injectable, InternalServerErrorException, NotFoundException } from '@nestjs/common';
import type { Response } from 'express';
import { randomUUID } from 'node:crypto';
import { AuditService } from '../../audit/audit.service';
import { User } from '../../users/user.model';
import { Clock } from '../../common/clock/clock';
import { GenerationProvider } from '../providers/generation-provider';
import { QcService } from '../qc/qc.service';
import { QuotaExceededError, QuotaService } from '../usage/quota.service';
import { ZipService } from '../zip/zip.service';
import { emptyUsage, isTerminal, JobIndexEntry, JobRecord, Manifest } from './job.model';
import { JobRunner } from './job-runner.service';
import { JobsRepository } from './jobs.repository';

export class JobNotFoundError extends NotFoundException {
  constructor() {
    super('No such job.');
  }
}

export interface NewJobInput {
  prompt: string;
  count: number;
}

/**
 * Jobs as users and admins see them: creation under the quota, ownership (anyone else gets a 404,
 * admins see all), manifests, the zip, and re-running QC.
 */
@Injectable()
export class JobsService {
  constructor(
    private readonly jobs: JobsRepository,
    private readonly quota: QuotaService,
    private readonly runner: JobRunner,
    private readonly provider: GenerationProvider,
    private readonly qc: QcService,
    private readonly zip: ZipService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /**
   * Reserves the drafts and creates the job (status `queued`); never waits for generation.
   * Over the limit: QuotaExceededError (429), an audit event, and no job.
   */
  async create(user: User, input: NewJobInput, ip: string): Promise<JobRecord> {
    const now = this.clock.now();
    try {
      await this.quota.reserve(user, input.count, now);
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
    const job: JobRecord = {
      id: randomUUID(),
      owner: user.username,
      owner_id: user.id,
      prompt: input.prompt,
      count: input.count,
      status: 'queued',
      provider: this.provider.name,
      model: this.provider.model,
      created_at: now.toISOString(),
      started_at: null,
      finished_at: null,
      error: null,
      usage: emptyUsage(),
      qc_passed: null,
      claimed_by: null,
      attempts: 0,
    };
    try {
      await this.jobs.create(job);
    } catch (error) {
      await this.quota.release(user, input.count, now);
      throw error;
    }
    this.runner.kick();
    return job;
  }

  /** The job if `user` owns it or is an admin; otherwise (or if it does not exist) a 404. */
  async findVisible(id: string, user: User): Promise<JobRecord> {
    const entry = await this.jobs.entry(id);
    if (!entry || !canSee(entry, user)) throw new JobNotFoundError();
    const job = await this.jobs.get(id);
    if (!job) throw new JobNotFoundError();
    return job;
  }

  /** The manifest once the job has finished (409 before). */
  async manifestFor(id: string, user: User): Promise<{ job: JobRecord; manifest: Manifest }> {
    const job = await this.findVisible(id, user);
    const manifest = isTerminal(job.status) ? await this.jobs.readManifest(id) : undefined;
    if (!manifest) throw new ConflictException('The job has not finished yet; its manifest is not ready.');
    return { job, manifest };
  }

  /** The manifest if there is one (pages show it while the job runs, too). */
  async manifestIfAny(job: JobRecord): Promise<Manifest | undefined> {
    return isTerminal(job.status) ? this.jobs.readManifest(job.id) : undefined;
  }

  /** Newest first. */
  async listOwn(user: User): Promise<JobIndexEntry[]> {
    return (await this.jobs.entries()).filter((e) => e.owner_id === user.id).reverse();
  }

  /** Newest first, a page at a time. */
  async listAll(page: number, perPage: number): Promise<{ jobs: JobIndexEntry[]; total: number }> {
    const all = await this.jobs.entries();
    const end = all.length - (page - 1) * perPage;
    return { jobs: all.slice(Math.max(0, end - perPage), Math.max(0, end)).reverse(), total: all.length };
  }

  /** Streams `<jobId>.zip` (artifacts + manifest.json); 409 until the job succeeded. */
  async streamZip(id: string, user: User, res: Response): Promise<void> {
    const job = await this.findVisible(id, user);
    const manifest = job.status === 'succeeded' ? await this.jobs.readManifest(id) : undefined;
    if (!manifest) throw new ConflictException('The job has not succeeded; there is nothing to download yet.');
    const entries = [
      ...manifest.files.map((file) => ({ name: file.path, open: () => this.jobs.openFile(id, file.path) })),
      { name: 'manifest.json', open: () => this.jobs.openFile(id, 'manifest.json') },
    ];
    try {
      await this.zip.stream(res, `${id}.zip`, entries);
    } catch (error) {
      if (res.headersSent) throw error;
      throw new InternalServerErrorException('Some files of this job could not be read; re-run QC to see which.');
    }
  }

  /** Recomputes QC from the files on disk and rewrites the manifest atomically (admin). */
  async rerunQc(id: string, actor: User, ip: string): Promise<Manifest> {
    const { manifest } = await this.manifestFor(id, actor);
    const qc = this.qc.run(
      manifest.files,
      await this.jobs.readArtifacts(
        id,
        manifest.files.map((f) => f.path),
      ),
    );
    const updated: Manifest = { ...manifest, qc };
    await this.jobs.writeManifest(id, updated);
    await this.jobs.update(id, (job) => {
      job.qc_passed = qc.passed;
    });
    await this.audit.record('job.qc_rerun', { actor: actor.username, ip, job: id, qc_ok: qc.passed });
    return updated;
  }
}

function canSee(entry: JobIndexEntry, user: User): boolean {
  return user.role === 'admin' || entry.owner_id === user.id;
}
