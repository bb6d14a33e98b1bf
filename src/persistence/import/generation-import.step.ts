import { Injectable } from '@nestjs/common';
import { ArtifactStore } from '../../generation/artifacts/artifact-store';
import { JobsRepository } from '../../generation/jobs/jobs.repository';
import { jobFromRecord } from '../../generation/persistence/json/job.record';
import { usageFromFile } from '../../generation/persistence/json/usage.record';
import { UsageLedgerRepository } from '../../generation/usage/usage-ledger.repository';
import type { FilesSiteReader } from './files-site.reader';
import type { ImportReport, ImportStep } from './import-steps';

/**
 * Jobs (oldest first, so the queue order stays), each with its drafts and manifest, then the usage
 * ledger — through the store's own JobsRepository, ArtifactStore and UsageLedgerRepository, so the
 * import writes exactly what the app would have written. One job folder is read at a time (a site's
 * drafts need not fit in memory). A job left `queued` or `running` (the files site was stopped
 * mid-job) is copied as it is: with no lease, the first runner's recovery takes it back like any job
 * of a crashed host.
 */
@Injectable()
export class GenerationImportStep implements ImportStep {
  constructor(
    private readonly jobs: JobsRepository,
    private readonly artifacts: ArtifactStore,
    private readonly usage: UsageLedgerRepository,
  ) {}

  async run(source: FilesSiteReader, report: ImportReport): Promise<void> {
    let jobs = 0;
    let unfinished = 0;
    let files = 0;
    let manifests = 0;
    for (const id of source.jobIds()) {
      const { record, manifest, artifacts } = source.job(id);
      const job = jobFromRecord(record);
      await this.jobs.createJob({ ...job, claimedBy: null });
      jobs++;
      if (job.status === 'queued' || job.status === 'running') unfinished++;
      if (artifacts.length > 0) {
        await this.artifacts.writeArtifacts(id, artifacts);
        files += artifacts.length;
      }
      if (manifest) {
        await this.artifacts.writeManifest(id, manifest);
        manifests++;
      }
    }
    report.counts.push({
      kind: 'jobs',
      count: jobs,
      detail: unfinished ? `${unfinished} queued or running: the runners take them up` : undefined,
    });
    report.counts.push({ kind: 'drafts', count: files });
    report.counts.push({ kind: 'manifests', count: manifests });

    const ledger = source.usage();
    if (ledger) {
      const usage = usageFromFile(ledger);
      await this.usage.replaceAll(usage);
      const days = usage.reduce((sum, user) => sum + Object.keys(user.days).length, 0);
      report.counts.push({ kind: 'usage ledger', count: usage.length, detail: `user(s), ${days} user-day(s)` });
    } else {
      report.counts.push({ kind: 'usage ledger', count: 0, detail: 'no usage.json: rebuilt from the jobs at start' });
    }
  }
}
