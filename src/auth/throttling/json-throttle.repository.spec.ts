import { Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '../../common/clock/clock';
import { AppConfig } from '../../config/app-config';
import { JsonStore } from '../../persistence/json/json-store.service';
import { CorruptDataFileError } from '../../persistence/json/store-errors';
import { JsonThrottleRepository } from './persistence/json/json-throttle.repository';
import { RateLimiter } from './rate-limiter.service';

const FIXTURE = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'legacy-throttle.json');
const NOW = Date.parse('2026-05-01T12:00:00Z');
const hash = (key: string) => createHash('sha256').update(key).digest('hex');

beforeAll(() => Logger.overrideLogger(false));

describe('JsonThrottleRepository files', () => {
  let dir: string;
  let clock: ManualClock;
  let repo: JsonThrottleRepository;
  const fileOf = (key: string) => path.join(dir, 'throttle', `${hash(key)}.json`);
  const mode = (file: string) => fs.statSync(file).mode & 0o777;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-throttle-files-'));
    clock = new ManualClock(new Date(NOW));
    repo = new JsonThrottleRepository(
      new JsonStore({ dataDir: dir, processRole: 'single' } as unknown as AppConfig),
      clock,
    );
  });
  afterEach(() => {
    repo.onModuleDestroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps one private file per key, named by a hash of the key, holding the key and its counter', async () => {
    await repo.update('login:user:alice', NOW, () => ({
      next: { count: 1, windowStart: NOW, expiresAt: NOW + 1000 },
      result: undefined,
    }));
    expect(fs.readdirSync(path.join(dir, 'throttle'))).toEqual([`${hash('login:user:alice')}.json`]);
    expect(JSON.parse(fs.readFileSync(fileOf('login:user:alice'), 'utf8'))).toEqual({
      key: 'login:user:alice',
      counter: { count: 1, windowStart: NOW, expiresAt: NOW + 1000 },
    });
    expect(mode(path.join(dir, 'throttle'))).toBe(0o700);
    expect(mode(fileOf('login:user:alice'))).toBe(0o600);
    expect(fs.readdirSync(path.join(dir, 'locks', 'throttle'))).toEqual([]); // locks are released
  });

  it('a login attempt writes only its username and IP files, however many counters are stored', async () => {
    const limiter = new RateLimiter(repo, clock);
    const limit = { max: 5, windowMs: 60_000 };
    for (let i = 0; i < 50; i++)
      await limiter.reserve([
        { key: `login:user:u${i}`, limit },
        { key: `login:ip:${i}`, limit },
      ]);
    const before = new Map(
      fs.readdirSync(path.join(dir, 'throttle')).map((n) => [n, fs.statSync(path.join(dir, 'throttle', n)).mtimeMs]),
    );
    expect(before.size).toBe(100);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await limiter.reserve([
      { key: 'login:user:u7', limit },
      { key: 'login:ip:new', limit },
    ]);
    const changed = fs
      .readdirSync(path.join(dir, 'throttle'))
      .filter((n) => before.get(n) !== fs.statSync(path.join(dir, 'throttle', n)).mtimeMs)
      .sort();
    expect(changed).toEqual([`${hash('login:user:u7')}.json`, `${hash('login:ip:new')}.json`].sort());
  });

  it('a change removes the expired file it reads; the sweep removes the others', async () => {
    for (const key of ['a', 'b', 'c']) {
      await repo.update(key, NOW, () => ({ next: { count: 1, windowStart: NOW, expiresAt: NOW + 1000 }, result: 0 }));
    }
    await repo.update('d', NOW, () => ({ next: { count: 1, windowStart: NOW, expiresAt: NOW + 5000 }, result: 0 }));
    await repo.mutate(['a'], NOW + 1000, () => undefined);
    expect(fs.existsSync(fileOf('a'))).toBe(false);
    expect(await repo.sweepExpired(NOW + 1000)).toBe(2);
    expect(fs.readdirSync(path.join(dir, 'throttle'))).toEqual([`${hash('d')}.json`]);
  });

  it('several repositories on one DATA_DIR (as worker processes) share counts and lose none', async () => {
    const others = Array.from(
      { length: 3 },
      () =>
        new JsonThrottleRepository(new JsonStore({ dataDir: dir, processRole: 'web' } as unknown as AppConfig), clock),
    );
    const all = [repo, ...others];
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        all[i % all.length].mutate(
          i % 2 ? ['login:user:bob', 'login:ip:1'] : ['login:ip:1', 'login:user:bob'],
          NOW,
          (c) => {
            for (const key of ['login:user:bob', 'login:ip:1']) {
              c[key] = { count: (c[key]?.count ?? 0) + 1, windowStart: NOW, expiresAt: NOW + 60_000 };
            }
          },
        ),
      ),
    );
    await expect(repo.getMany(['login:user:bob', 'login:ip:1'])).resolves.toEqual([
      { count: 40, windowStart: NOW, expiresAt: NOW + 60_000 },
      { count: 40, windowStart: NOW, expiresAt: NOW + 60_000 },
    ]);
  });

  describe('throttle.json of an older version', () => {
    it('is split into one file per live counter at start, then removed', async () => {
      fs.copyFileSync(FIXTURE, path.join(dir, 'throttle.json'));
      await repo.onModuleInit();
      expect(fs.existsSync(path.join(dir, 'throttle.json'))).toBe(false);
      await expect(repo.get('login:user:alice')).resolves.toMatchObject({ count: 3 });
      await expect(repo.get('login:ip:203.0.113.7')).resolves.toMatchObject({ count: 9, lockNoticed: true });
      await expect(repo.get('login:user:expired')).resolves.toBeUndefined();
      expect(fs.readdirSync(path.join(dir, 'throttle'))).toHaveLength(2);
      expect(mode(fileOf('login:user:alice'))).toBe(0o600);
      await expect(repo.migrateLegacyFile()).resolves.toBe(0);
    });

    it('an existing counter file wins over the old file', async () => {
      await repo.update('login:user:alice', NOW, () => ({
        next: { count: 1, windowStart: NOW, expiresAt: NOW + 60_000 },
        result: 0,
      }));
      fs.copyFileSync(FIXTURE, path.join(dir, 'throttle.json'));
      await expect(repo.migrateLegacyFile()).resolves.toBe(1);
      await expect(repo.get('login:user:alice')).resolves.toMatchObject({ count: 1 });
    });

    it('a corrupt one stops start-up naming it, and is left untouched', async () => {
      const file = path.join(dir, 'throttle.json');
      fs.writeFileSync(file, '{"counters": {"a": ');
      await expect(repo.onModuleInit()).rejects.toThrow(CorruptDataFileError);
      await expect(repo.migrateLegacyFile()).rejects.toThrow(file);
      fs.writeFileSync(file, '{"counters": {"a": {"count": "x"}}}');
      await expect(repo.migrateLegacyFile()).rejects.toThrow(file);
      expect(fs.readFileSync(file, 'utf8')).toBe('{"counters": {"a": {"count": "x"}}}');
      expect(fs.existsSync(path.join(dir, 'throttle'))).toBe(false);
    });
  });
});
