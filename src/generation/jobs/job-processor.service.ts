import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../../common/clock/clock';
import { GenerationFailedError, GenerationProvider } from '../providers/generation-provider';
import { QcService } from '../qc/qc.service';
import { QuotaService } from '../usage/quota.service';
import { emptyUsage, isTerminal, JobRecord, JobUsage, Manifest, ManifestFileEntry } from './job.model';
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
    private readonly provider: GenerationProvider,
    private readonly qc: QcService,
    private readonly quota: QuotaService,
    private readonly clock: Clock,
  ) {}

  async process(id: string): Promise<void> {
    const job = await this.jobs.update(id, (j) => {
      if (isTerminal(j.status)) return false;
      j.status = 'running';
      j.started_at = this.clock.now().toISOString();
      j.finished_at = null;
      j.error = null;
      j.claimed_by = process.pid;
      j.attempts = (j.attempts ?? 0) + 1;
      j.provider = this.provider.name;
      j.model = this.provider.model;
      j.usage = emptyUsage();
    });
    if (!job) {
      await this.settleIndex(id);
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
      const files = await this.jobs.writeArtifacts(
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
  async fail(job: JobRecord, message: string, usage: JobUsage): Promise<void> {
    await this.finish(job, 'failed', message, usage, []);
  }

  private async finish(
    job: JobRecord,
    status: 'succeeded' | 'failed',
    error: string | null,
    usage: JobUsage,
    files: ManifestFileEntry[],
  ): Promise<void> {
    const finishedAt = this.clock.now().toISOString();
    const qc = this.qc.run(
      files,
      await this.jobs.readArtifacts(
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
      created_at: job.created_at,
      started_at: job.started_at,
      finished_at: finishedAt,
      error,
      usage,
      files,
      qc,
    };
    await this.jobs.writeManifest(job.id, manifest);
    // Tokens land in the ledger before the job turns terminal: whoever sees it finished sees its cost.
    await this.quota.recordTokens({ id: job.owner_id, username: job.owner }, job.created_at, usage);
    await this.jobs.update(job.id, (j) => {
      j.status = status;
      j.finished_at = finishedAt;
      j.error = error;
      j.usage = { ...usage };
      j.qc_passed = qc.passed;
      j.claimed_by = null;
    });
  }

  /** job.json is terminal or gone: make the index row agree so the queue moves on. */
  private async settleIndex(id: string): Promise<void> {
    const job = await this.jobs.readJobFile(id);
    if (job) {
      await this.jobs.syncIndex(job);
      return;
    }
    await this.jobs.mutateIndex((entries) => {
      const entry = entries.find((e) => e.id === id);
      if (entry && !isTerminal(entry.status)) {
        entry.status = 'failed';
        entry.claimed_by = null;
        entry.claimed_by_runner = null;
      }
    });
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
