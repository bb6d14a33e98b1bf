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

/** Generation's seams (SPEC §8). No PostgreSQL implementation yet: STORE=postgres refuses to start with generation. */
export const GENERATION_BINDINGS: RepositoryBinding[] = [
  { provide: JobsRepository, json: JsonJobsRepository, memory: MemoryJobsRepository },
  { provide: JobQueue, json: JsonJobQueue, memory: MemoryJobQueue },
  { provide: ArtifactStore, json: JsonArtifactStore, memory: MemoryArtifactStore },
  { provide: UsageLedgerRepository, json: JsonUsageLedgerRepository, memory: MemoryUsageLedgerRepository },
];
