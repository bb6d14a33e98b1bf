import type { RepositoryBinding } from '../../persistence/persistence.module';
import { ArtifactStore } from '../artifacts/artifact-store';
import { JobsRepository } from '../jobs/jobs.repository';
import { JobQueue } from '../queue/job-queue';
import { UsageLedgerRepository } from '../usage/usage-ledger.repository';
import { JsonArtifactStore } from './json/json-artifact.store';
import { JsonJobQueue } from './json/json-job-queue';
import { JsonJobsRepository } from './json/json-jobs.repository';
import { JsonUsageLedgerRepository } from './json/json-usage-ledger.repository';
import { MemoryArtifactStore } from './memory/memory-artifact.store';
import { MemoryJobQueue } from './memory/memory-job-queue';
import { MemoryJobsRepository } from './memory/memory-jobs.repository';
import { MemoryUsageLedgerRepository } from './memory/memory-usage-ledger.repository';
import { PgArtifactStore } from './postgres/pg-artifact.store';
import { PgJobQueue } from './postgres/pg-job-queue';
import { PgJobsRepository } from './postgres/pg-jobs.repository';
import { PgUsageLedgerRepository } from './postgres/pg-usage-ledger.repository';

/** Generation's seams (SPEC §8): jobs, their queue, their drafts and manifests, the usage ledger. */
export const GENERATION_BINDINGS: RepositoryBinding[] = [
  { provide: JobsRepository, json: JsonJobsRepository, memory: MemoryJobsRepository, postgres: PgJobsRepository },
  { provide: JobQueue, json: JsonJobQueue, memory: MemoryJobQueue, postgres: PgJobQueue },
  { provide: ArtifactStore, json: JsonArtifactStore, memory: MemoryArtifactStore, postgres: PgArtifactStore },
  {
    provide: UsageLedgerRepository,
    json: JsonUsageLedgerRepository,
    memory: MemoryUsageLedgerRepository,
    postgres: PgUsageLedgerRepository,
  },
];
