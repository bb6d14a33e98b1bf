import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AppConfig } from '../config/app-config';
import { JsonStore } from '../persistence/json/json-store.service';
import { describeApiTokensRepositoryContract } from './api-tokens.repository.contract';
import { API_TOKENS_FILE, JsonApiTokensRepository } from './persistence/json/json-api-tokens.repository';
import { MemoryApiTokensRepository } from './persistence/memory/memory-api-tokens.repository';

describeApiTokensRepositoryContract('json', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-api-tokens-'));
  return {
    repo: new JsonApiTokensRepository(new JsonStore({ dataDir: dir } as AppConfig)),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
});
describeApiTokensRepositoryContract('memory', async () => ({ repo: new MemoryApiTokensRepository() }));

describe('JsonApiTokensRepository: the file', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-api-tokens-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it(`is ${API_TOKENS_FILE}, private (0600), snake_case rows`, async () => {
    const repo = new JsonApiTokensRepository(new JsonStore({ dataDir: dir } as AppConfig));
    await repo.create({
      id: 'tok-1',
      userId: 'id-bob',
      name: 'ci',
      tokenSha256: 'ab'.repeat(32),
      createdAt: '2026-03-01T12:00:00.000Z',
      expiresAt: '2026-05-30T12:00:00.000Z',
      lastUsedAt: null,
    });
    const file = path.join(dir, API_TOKENS_FILE);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({
      tokens: [
        {
          id: 'tok-1',
          user_id: 'id-bob',
          name: 'ci',
          token_sha256: 'ab'.repeat(32),
          created_at: '2026-03-01T12:00:00.000Z',
          expires_at: '2026-05-30T12:00:00.000Z',
          last_used_at: null,
        },
      ],
    });
  });

  it("another process's change is seen at once (a second store on the same folder)", async () => {
    const one = new JsonApiTokensRepository(new JsonStore({ dataDir: dir } as AppConfig));
    const two = new JsonApiTokensRepository(new JsonStore({ dataDir: dir } as AppConfig));
    await expect(two.findByHash('d')).resolves.toBeUndefined();
    await one.create({
      id: 't',
      userId: 'u',
      name: 'n',
      tokenSha256: 'd',
      createdAt: '2026-03-01T12:00:00.000Z',
      expiresAt: '2026-05-30T12:00:00.000Z',
      lastUsedAt: null,
    });
    await expect(two.findByHash('d')).resolves.toMatchObject({ id: 't' });
    await one.delete('u', 't');
    await expect(two.findByHash('d')).resolves.toBeUndefined();
  });
});
