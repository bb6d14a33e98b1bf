import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AppConfig } from '../../config/app-config';
import { JsonStore } from '../../persistence/json/json-store.service';
import {
  describeArtifactStoreContract,
  describeJobQueueContract,
  describeJobsRepositoryContract,
  describeUsageLedgerContract,
  GenerationStores,
} from './generation-repositories.contract';
import { JsonArtifactStore } from './json/json-artifact.store';
import { JsonJobQueue } from './json/json-job-queue';
import { JsonJobsRepository } from './json/json-jobs.repository';
import { JsonUsageLedgerRepository } from './json/json-usage-ledger.repository';
import { MemoryArtifactStore } from './memory/memory-artifact.store';
import { MemoryJobQueue } from './memory/memory-job-queue';
import { MemoryJobsRepository } from './memory/memory-jobs.repository';
import { MemoryUsageLedgerRepository } from './memory/memory-usage-ledger.repository';

/** The files store on a temp DATA_DIR. */
function jsonStores(): Promise<GenerationStores> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-generation-'));
  const store = new JsonStore({ dataDir } as AppConfig);
  const jobs = new JsonJobsRepository(store);
  return Promise.resolve({
    jobs,
    queue: new JsonJobQueue(jobs),
    artifacts: new JsonArtifactStore(store),
    ledger: new JsonUsageLedgerRepository(store),
    close: async () => {
      await store.flush();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

function memoryStores(): Promise<GenerationStores> {
  const jobs = new MemoryJobsRepository();
  return Promise.resolve({
    jobs,
    queue: new MemoryJobQueue(jobs),
    artifacts: new MemoryArtifactStore(),
    ledger: new MemoryUsageLedgerRepository(),
    close: () => Promise.resolve(),
  });
}

for (const [name, make] of [
  ['json', jsonStores],
  ['memory', memoryStores],
] as const) {
  describeJobsRepositoryContract(name, make);
  describeJobQueueContract(name, make);
  describeArtifactStoreContract(name, make);
  describeUsageLedgerContract(name, make);
}
