import { usePgDatabase } from '../../../../test/helpers/pg-repository';
import {
  describeArtifactStoreContract,
  describeJobQueueContract,
  describeJobsRepositoryContract,
  describeUsageLedgerContract,
  GenerationStores,
} from '../generation-repositories.contract';
import { PgArtifactStore } from './pg-artifact.store';
import { PgJobQueue } from './pg-job-queue';
import { PgJobsRepository } from './pg-jobs.repository';
import { PgUsageLedgerRepository } from './pg-usage-ledger.repository';

const GENERATION_TABLES = ['jobs', 'job_files', 'usage_days', 'usage_users', 'usage_ledger_state'];

const pg = usePgDatabase(GENERATION_TABLES);

async function pgStores(): Promise<GenerationStores> {
  await pg.truncate();
  return {
    jobs: new PgJobsRepository(pg.db),
    queue: new PgJobQueue(pg.db),
    artifacts: new PgArtifactStore(pg.db),
    ledger: new PgUsageLedgerRepository(pg.db),
    close: () => Promise.resolve(),
  };
}

describeJobsRepositoryContract('postgres', pgStores);
describeJobQueueContract('postgres', pgStores);
describeArtifactStoreContract('postgres', pgStores);
describeUsageLedgerContract('postgres', pgStores);
