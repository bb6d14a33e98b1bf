import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../common/clock/clock';
import { UnitOfWork } from '../../persistence/unit-of-work';
import { ArtifactFile, ArtifactStore } from '../artifacts/artifact-store';
import { Manifest, manifestUsage } from '../artifacts/manifest';
import { GenerationFailedError, GenerationProvider } from '../providers/generation-provider';
import { QcService } from '../qc/qc.service';
import { JobQueue } from '../queue/job-queue';
import { QuotaService } from '../usage/quota.service';
import { emptyUsage, Job, JobUsage } from './job';
import { JobsRepository } from './jobs.repository';

/** Shown when a job was running in a process that died, more often than we retry. */
export const INTERRUPTED_MESSAGE = 'Interrupted: the server stopped while this job was running.';

/** The unit of work that writes a job's results, fenced by its claim (see JobProcessor.finish). */
export const FINISH_JOB_UNIT = 'generation.finish-job';

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
    private readonly units: UnitOfWork,
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
      await this.fail(job, message, error instanceof GenerationFailedError ? error.usage : emptyUsage(), workerId);
      return;
    }

    try {
      await this.finish(job, workerId, {
        status: 'succeeded',
        error: null,
        usage,
        drafts: drafts.map((draft, i) => ({ name: artifactName(i, draft.title), content: draft.markdown })),
      });
    } catch (error) {
      this.logger.error(`Job ${id}: could not save the drafts: ${(error as Error).message}`);
      await this.fail(job, 'The drafts could not be saved.', usage, workerId).catch(() => undefined);
    }
  }

  /**
   * Ends a job as failed (provider error, or interrupted too often), recording what it spent.
   * `workerId` must hold the job's claim (the runner that claimed it, or that took it back as exhausted).
   */
  async fail(job: Job, message: string, usage: JobUsage, workerId: string): Promise<void> {
    await this.finish(job, workerId, { status: 'failed', error: message, usage, drafts: [] });
  }

  /**
   * Writes the job's results — drafts (when it succeeded), QC, manifest, tokens, final status — in one
   * unit of work that first checks `workerId` still holds the claim. A worker whose lease ran out while
   * it generated (a stalled host) and whose job another worker took back writes nothing, so a job's
   * drafts and manifest are written by one run only; with PostgreSQL the check locks the job's row
   * until the writes commit (see JobQueue.holdsClaim).
   */
  private async finish(
    job: Job,
    workerId: string,
    end: { status: 'succeeded' | 'failed'; error: string | null; usage: JobUsage; drafts: ArtifactFile[] },
  ): Promise<void> {
    const written = await this.units.run(FINISH_JOB_UNIT, async () => {
      if (!(await this.queue.holdsClaim(job.id, workerId))) return false;
      const files = end.status === 'succeeded' ? await this.artifacts.writeArtifacts(job.id, end.drafts) : [];
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
        status: end.status,
        provider: job.provider,
        model: job.model,
        created_at: job.createdAt,
        started_at: job.startedAt,
        finished_at: finishedAt,
        error: end.error,
        usage: manifestUsage(end.usage),
        files,
        qc,
      };
      await this.artifacts.writeManifest(job.id, manifest);
      // Tokens land in the ledger before the job turns terminal: whoever sees it finished sees its cost.
      await this.quota.recordTokens({ id: job.ownerId, username: job.owner }, job.createdAt, end.usage);
      await this.jobs.finishJob(job.id, {
        status: end.status,
        finishedAt,
        error: end.error,
        usage: { ...end.usage },
        qcPassed: qc.passed,
      });
      return true;
    });
    if (!written) {
      this.logger.warn(`Job ${job.id}: its claim was lost (lease ran out) before the results were saved; not saved`);
    }
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
