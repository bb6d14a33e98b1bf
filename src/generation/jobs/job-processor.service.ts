import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../common/clock/clock';
import { ArtifactStore } from '../artifacts/artifact-store';
import { Manifest, ManifestFileEntry, manifestUsage } from '../artifacts/manifest';
import { GenerationFailedError, GenerationProvider } from '../providers/generation-provider';
import { QcService } from '../qc/qc.service';
import { JobQueue } from '../queue/job-queue';
import { QuotaService } from '../usage/quota.service';
import { emptyUsage, Job, JobUsage } from './job';
import { JobsRepository } from './jobs.repository';

/** Shown when a job was running in a process that died, more often than we retry. */
export const INTERRUPTED_MESSAGE = 'Interrupted: the server stopped while this job was running.';

/**
 * Runs one claimed job: provider → artifacts → QC → manifest → final status, and the token ledger.
 * Never throws: every failure ends the job `failed` with a message safe to show.
 */
@Injectable()
export class JobProcessor {
  private readonly logger = new Logger('JobProcessor');

  constructor(
    private readonly jobs: JobsRepository,
    private readonly artifacts: ArtifactStore,
    private readonly queue: JobQueue,
    private readonly provider: GenerationProvider,
    private readonly qc: QcService,
    private readonly quota: QuotaService,
    private readonly clock: Clock,
  ) {}

  /** Runs a job `workerId` has claimed from the queue. */
  async process(id: string, workerId: string): Promise<void> {
    const job = await this.jobs.startAttempt(id, {
      workerId,
      startedAt: this.clock.now().toISOString(),
      provider: this.provider.name,
      model: this.provider.model,
    });
    if (!job) {
      // Finished or gone meanwhile: give the claim back so the queue moves on.
      await this.queue.release(id, workerId);
      return;
    }

    let drafts;
    let usage: JobUsage;
    try {
      ({ drafts, usage } = await this.provider.generate({ prompt: job.prompt, count: job.count }));
    } catch (error) {
      const message = error instanceof GenerationFailedError ? error.message : 'The provider failed unexpectedly.';
      if (!(error instanceof GenerationFailedError)) this.logger.error(`Job ${id}: ${(error as Error).message}`);
      await this.fail(job, message, error instanceof GenerationFailedError ? error.usage : emptyUsage());
      return;
    }

    try {
      const files = await this.artifacts.writeArtifacts(
        id,
        drafts.map((draft, i) => ({ name: artifactName(i, draft.title), content: draft.markdown })),
      );
      await this.finish(job, 'succeeded', null, usage, files);
    } catch (error) {
      this.logger.error(`Job ${id}: could not save the drafts: ${(error as Error).message}`);
      await this.fail(job, 'The drafts could not be saved.', usage).catch(() => undefined);
    }
  }

  /** Ends a job as failed (provider error, or interrupted too often), recording what it spent. */
  async fail(job: Job, message: string, usage: JobUsage): Promise<void> {
    await this.finish(job, 'failed', message, usage, []);
  }

  private async finish(
    job: Job,
    status: 'succeeded' | 'failed',
    error: string | null,
    usage: JobUsage,
    files: ManifestFileEntry[],
  ): Promise<void> {
    const finishedAt = this.clock.now().toISOString();
    const qc = this.qc.run(
      files,
      await this.artifacts.readArtifacts(
        job.id,
        files.map((f) => f.path),
      ),
    );
    const manifest: Manifest = {
      job_id: job.id,
      owner: job.owner,
      prompt: job.prompt,
      count: job.count,
      status,
      provider: job.provider,
      model: job.model,
      created_at: job.createdAt,
      started_at: job.startedAt,
      finished_at: finishedAt,
      error,
      usage: manifestUsage(usage),
      files,
      qc,
    };
    await this.artifacts.writeManifest(job.id, manifest);
    // Tokens land in the ledger before the job turns terminal: whoever sees it finished sees its cost.
    await this.quota.recordTokens({ id: job.ownerId, username: job.owner }, job.createdAt, usage);
    await this.jobs.finishJob(job.id, { status, finishedAt, error, usage: { ...usage }, qcPassed: qc.passed });
  }
}

/** `NN-<slug>.md`, e.g. `01-remote-work-overview.md`. */
export function artifactName(index: number, title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/g, '');
  return `${String(index + 1).padStart(2, '0')}-${slug || 'draft'}.md`;
}
