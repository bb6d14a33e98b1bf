import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AppConfig } from '../config/app-config';
import { JsonStore } from '../persistence/json/json-store.service';
import { describeInvitesRepositoryContract } from './invites.repository.contract';
import { INVITES_FILE, JsonInvitesRepository } from './persistence/json/json-invites.repository';
import { MemoryInvitesRepository } from './persistence/memory/memory-invites.repository';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-invites-'));
}

async function jsonRepository(dir = tempDir()) {
  const repo = new JsonInvitesRepository(new JsonStore({ dataDir: dir } as AppConfig));
  await repo.onModuleInit();
  return { repo, dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

describeInvitesRepositoryContract('json', jsonRepository);
describeInvitesRepositoryContract('memory', async () => ({ repo: new MemoryInvitesRepository() }));

describe('JsonInvitesRepository: the prototype file format', () => {
  const now = new Date('2026-03-01T12:00:00Z');

  it('reads prototype invites: used=false means one use left, used=true means none', async () => {
    const dir = tempDir();
    const codes = [
      { code: 'old-free', note: 'n', used: false, colour: 'blue' },
      { code: 'old-used', note: 'n', used: true },
    ];
    fs.writeFileSync(path.join(dir, INVITES_FILE), JSON.stringify({ codes }), { mode: 0o600 });
    const { repo, cleanup } = await jsonRepository(dir);
    await expect(repo.findByCode('old-free', now)).resolves.toMatchObject({ status: 'active', maxUses: 1, uses: 0 });
    await expect(repo.findByCode('old-used', now)).resolves.toMatchObject({ status: 'used' });
    await repo.redeemInvite('old-free', 'a', now);
    const file = JSON.parse(fs.readFileSync(path.join(dir, INVITES_FILE), 'utf8'));
    // The prototype still reads `used`; unknown keys survive.
    expect(file.codes[0]).toMatchObject({ used: true, uses: 1, max_uses: 1, used_by: ['a'], colour: 'blue' });
    expect(file.codes[0].last_used_at).toBe(now.toISOString());
    cleanup();
  });
});
