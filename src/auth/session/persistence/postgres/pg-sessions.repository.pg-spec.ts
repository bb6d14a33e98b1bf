import { usePgDatabase } from '../../../../../test/helpers/pg-repository';
import { describeSessionsRepositoryContract } from '../../sessions.repository.contract';
import { PgSessionsRepository } from './pg-sessions.repository';

const pg = usePgDatabase(['sessions']);

describeSessionsRepositoryContract('postgres', async () => {
  await pg.truncate();
  return { repo: new PgSessionsRepository(pg.db) };
});

describe('PgSessionsRepository', () => {
  const NOW = Date.parse('2026-05-01T12:00:00Z');
  beforeEach(() => pg.truncate());

  it('keys rows by a hash of the session id, never the id itself', async () => {
    await new PgSessionsRepository(pg.db).save('secret-session-id', { data: { userId: 'u1' }, expiresAt: NOW + 1 });
    const { rows } = await pg.db.query<{ sid_sha256: string; data: string }>('SELECT sid_sha256, data FROM sessions');
    expect(rows).toHaveLength(1);
    expect(rows[0].sid_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain('secret-session-id');
  });

  it('keeps ids and data holding U+0000 (which text and jsonb cannot hold raw)', async () => {
    const repo = new PgSessionsRepository(pg.db);
    await repo.save('a\u0000b', { data: { flash: 'x\u0000y' }, expiresAt: NOW + 1000 });
    await expect(repo.find('a\u0000b', NOW)).resolves.toEqual({ data: { flash: 'x\u0000y' }, expiresAt: NOW + 1000 });
    await expect(repo.find('a', NOW)).resolves.toBeUndefined();
  });

  it('one host sees what the other saved and removed; a sweep on one host removes for both', async () => {
    const [a, b] = [new PgSessionsRepository(pg.db), new PgSessionsRepository(pg.otherHost)];
    await a.save('s', { data: { userId: 'u1' }, expiresAt: NOW + 1000 });
    await b.save('old', { data: { userId: 'u2' }, expiresAt: NOW - 1 });
    expect((await b.find('s', NOW))?.data.userId).toBe('u1');
    await expect(a.sweepExpired(NOW)).resolves.toBe(1);
    await b.remove('s');
    await expect(a.find('s', NOW)).resolves.toBeUndefined();
    await expect(a.count()).resolves.toBe(0);
  });

  it('sweeps more expired sessions than one batch holds', async () => {
    await pg.db.query(
      `INSERT INTO sessions (sid_sha256, data, expires_at_ms)
       SELECT md5(i::text), '{}', $1 FROM generate_series(1, 1201) AS i`,
      [NOW - 1],
    );
    await expect(new PgSessionsRepository(pg.db).sweepExpired(NOW)).resolves.toBe(1201);
  });

  it('60 concurrent saves and finds from two hosts', async () => {
    const hosts = [new PgSessionsRepository(pg.db), new PgSessionsRepository(pg.otherHost)];
    await Promise.all(
      Array.from({ length: 60 }, (_, i) => hosts[i % 2].save(`s${i % 20}`, { data: { i }, expiresAt: NOW + 1000 })),
    );
    await expect(hosts[0].count()).resolves.toBe(20);
  });
});
