import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AppConfig } from '../../config/app-config';
import { JsonStore } from '../../persistence/json/json-store.service';
import { JsonResetTokensRepository } from './persistence/json/json-reset-tokens.repository';
import { MemoryResetTokensRepository } from './persistence/memory/memory-reset-tokens.repository';
import { describeResetTokensRepositoryContract } from './reset-tokens.repository.contract';

describeResetTokensRepositoryContract('json', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-resets-'));
  return {
    repo: new JsonResetTokensRepository(new JsonStore({ dataDir: dir } as AppConfig)),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
});
describeResetTokensRepositoryContract('memory', async () => ({ repo: new MemoryResetTokensRepository() }));
