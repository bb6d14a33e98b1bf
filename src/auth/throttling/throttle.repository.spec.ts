import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '../../common/clock/clock';
import { AppConfig } from '../../config/app-config';
import { JsonStore } from '../../persistence/json/json-store.service';
import { JsonThrottleRepository } from './persistence/json/json-throttle.repository';
import { MemoryThrottleRepository } from './persistence/memory/memory-throttle.repository';
import { describeThrottleRepositoryContract } from './throttle.repository.contract';

describeThrottleRepositoryContract('json', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-throttle-'));
  return {
    repo: new JsonThrottleRepository(new JsonStore({ dataDir: dir } as AppConfig), new ManualClock(new Date(0))),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
});
describeThrottleRepositoryContract('memory', async () => ({ repo: new MemoryThrottleRepository() }));
