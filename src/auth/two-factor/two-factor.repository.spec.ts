import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AppConfig } from '../../config/app-config';
import { JsonStore } from '../../persistence/json/json-store.service';
import { JsonTwoFactorRepository, TWO_FACTOR_FILE } from './persistence/json/json-two-factor.repository';
import { MemoryTwoFactorRepository } from './persistence/memory/memory-two-factor.repository';
import { describeTwoFactorRepositoryContract } from './two-factor.repository.contract';

describeTwoFactorRepositoryContract('memory', () => Promise.resolve({ repository: new MemoryTwoFactorRepository() }));

describeTwoFactorRepositoryContract('json', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-2fa-'));
  const store = new JsonStore({ dataDir } as AppConfig);
  return Promise.resolve({
    repository: new JsonTwoFactorRepository(store),
    cleanUp: async () => {
      await store.flush();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  });
});

describe('JsonTwoFactorRepository file', () => {
  it('writes two-factor.json privately (0600), in snake_case, and a fresh instance reads it back', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-2fa-'));
    try {
      const repository = new JsonTwoFactorRepository(new JsonStore({ dataDir } as AppConfig));
      await repository.savePending('u1', 'sealed', '2026-12-07T05:00:00.000Z');
      const file = path.join(dataDir, TWO_FACTOR_FILE);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({
        users: { u1: { pending: { sealed_secret: 'sealed', created_at: '2026-12-07T05:00:00.000Z' } } },
      });
      const again = new JsonTwoFactorRepository(new JsonStore({ dataDir } as AppConfig));
      expect((await again.find('u1'))?.pending?.sealedSecret).toBe('sealed');
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
