import { Logger } from '@nestjs/common';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '../../common/clock/clock';
import { AppConfig } from '../../config/app-config';
import { JsonStore } from '../../persistence/json/json-store.service';
import { CorruptDataFileError } from '../../persistence/json/store-errors';
import { JsonSessionsRepository } from './persistence/json/json-sessions.repository';
import { MemorySessionsRepository } from './persistence/memory/memory-sessions.repository';
import { describeSessionsRepositoryContract } from './sessions.repository.contract';

const FIXTURE = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'legacy-sessions.json');

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-sessions-'));
}

function jsonRepo(dir: string, clock = new ManualClock(new Date('2026-05-01T12:00:00Z'))) {
  const config = { dataDir: dir, processRole: 'single' } as unknown as AppConfig;
  return new JsonSessionsRepository(new JsonStore(config), clock);
}

beforeAll(() => Logger.overrideLogger(false));

describeSessionsRepositoryContract('json files', () => {
  const dir = tempDir();
  return Promise.resolve({ repo: jsonRepo(dir), cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) });
});

describeSessionsRepositoryContract('memory', () => Promise.resolve({ repo: new MemorySessionsRepository() }));

describe('JsonSessionsRepository files', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes one private file per session, named by a hash of the id (never the id)', async () => {
    const repo = jsonRepo(dir);
    await repo.save('secret-session-id', { data: { userId: 'u1' }, expiresAt: Date.now() + 60_000 });
    await repo.save('another-id', { data: { userId: 'u2' }, expiresAt: Date.now() + 60_000 });
    const names = fs.readdirSync(path.join(dir, 'sessions'));
    expect(names).toHaveLength(2);
    for (const name of names) {
      expect(name).toMatch(/^[0-9a-f]{64}\.json$/);
      expect(fs.statSync(path.join(dir, 'sessions', name)).mode & 0o777).toBe(0o600);
    }
    expect(fs.statSync(path.join(dir, 'sessions')).mode & 0o777).toBe(0o700);
    expect(names.join()).not.toContain('secret-session-id');
    expect(fs.existsSync(path.join(dir, 'sessions.json'))).toBe(false);
  });

  it('a session write does not touch the other sessions’ files', async () => {
    const repo = jsonRepo(dir);
    await repo.save('a', { data: { userId: 'u1' }, expiresAt: Date.now() + 60_000 });
    const [fileOfA] = fs.readdirSync(path.join(dir, 'sessions'));
    const before = fs.statSync(path.join(dir, 'sessions', fileOfA));
    await repo.save('b', { data: { userId: 'u2' }, expiresAt: Date.now() + 60_000 });
    const after = fs.statSync(path.join(dir, 'sessions', fileOfA));
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
  });

  it('another worker (another repository over the same folder) sees every write and removal on its next find', async () => {
    const writer = jsonRepo(dir);
    const reader = jsonRepo(dir);
    const later = Date.now() + 60_000;
    await writer.save('sid', { data: { userId: 'u1', csrfToken: 'token-one' }, expiresAt: later });
    expect((await reader.find('sid', Date.now()))?.data).toEqual({ userId: 'u1', csrfToken: 'token-one' });
    expect((await reader.find('sid', Date.now()))?.data).toEqual({ userId: 'u1', csrfToken: 'token-one' }); // cached
    await writer.save('sid', { data: { userId: 'u1', csrfToken: 'token-two' }, expiresAt: later }); // same size
    expect((await reader.find('sid', Date.now()))?.data).toEqual({ userId: 'u1', csrfToken: 'token-two' });
    await writer.remove('sid');
    expect(await reader.find('sid', Date.now())).toBeUndefined();
  });

  it('hands each find its own copy: changing one does not change the next', async () => {
    const repo = jsonRepo(dir);
    await repo.save('sid', { data: { userId: 'u1', flash: ['saved'] }, expiresAt: Date.now() + 60_000 });
    const first = await repo.find('sid', Date.now());
    (first!.data.flash as string[]).push('changed');
    first!.data.userId = 'someone else';
    expect((await repo.find('sid', Date.now()))?.data).toEqual({ userId: 'u1', flash: ['saved'] });
  });

  it('treats an unreadable session file as no session, and the sweep leaves it', async () => {
    const repo = jsonRepo(dir);
    await repo.save('a', { data: { userId: 'u1' }, expiresAt: Date.now() + 60_000 });
    const [name] = fs.readdirSync(path.join(dir, 'sessions'));
    fs.writeFileSync(path.join(dir, 'sessions', name), '{"data":');
    expect(await repo.find('a', Date.now())).toBeUndefined();
    expect(await repo.sweepExpired(Date.now())).toBe(0);
  });

  describe('migration of an older sessions.json', () => {
    it('moves its live sessions into files and removes it', async () => {
      fs.copyFileSync(FIXTURE, path.join(dir, 'sessions.json'));
      const clock = new ManualClock(new Date('2026-05-01T12:00:00Z'));
      const repo = jsonRepo(dir, clock);
      expect(await repo.migrateLegacyFile()).toBe(2);
      expect(fs.existsSync(path.join(dir, 'sessions.json'))).toBe(false);
      const now = clock.now().getTime();
      expect((await repo.find('live-admin-session', now))?.data).toMatchObject({
        userId: 'u-admin',
        sessionVersion: 0,
      });
      expect((await repo.find('live-user-session', now))?.data).toMatchObject({ userId: 'u-user', csrfToken: 'tok' });
      expect(await repo.find('expired-session', now)).toBeUndefined();
      expect(await repo.count()).toBe(2);
      expect(await repo.migrateLegacyFile()).toBe(0); // nothing left to do
    });

    it('keeps a session file that already exists (it is newer)', async () => {
      fs.copyFileSync(FIXTURE, path.join(dir, 'sessions.json'));
      const repo = jsonRepo(dir);
      await repo.save('live-user-session', {
        data: { userId: 'u-user', flash: { n: 1 } },
        expiresAt: Date.parse('2030-01-01'),
      });
      await repo.migrateLegacyFile();
      expect((await repo.find('live-user-session', 0))?.data.flash).toEqual({ n: 1 });
    });

    it('refuses a corrupt sessions.json naming it, and leaves its bytes', async () => {
      const file = path.join(dir, 'sessions.json');
      fs.writeFileSync(file, '{"sessions": {"a": ');
      await expect(jsonRepo(dir).migrateLegacyFile()).rejects.toThrow(CorruptDataFileError);
      await expect(jsonRepo(dir).migrateLegacyFile()).rejects.toThrow(file);
      expect(fs.readFileSync(file, 'utf8')).toBe('{"sessions": {"a": ');
    });
  });
});
