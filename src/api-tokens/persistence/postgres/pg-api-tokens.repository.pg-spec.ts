import { usePgDatabase } from '../../../../test/helpers/pg-repository';
import { describeApiTokensRepositoryContract } from '../../api-tokens.repository.contract';
import { PgApiTokensRepository } from './pg-api-tokens.repository';

const pg = usePgDatabase(['api_tokens']);

describeApiTokensRepositoryContract('postgres', async () => {
  await pg.truncate();
  return { repo: new PgApiTokensRepository(pg.db) };
});

describe('PgApiTokensRepository: two hosts (two pools)', () => {
  const T0 = new Date('2026-03-01T12:00:00.000Z');
  const token = (id: string, digest: string) => ({
    id,
    userId: 'id-bob',
    name: 'ci',
    tokenSha256: digest,
    createdAt: T0.toISOString(),
    expiresAt: new Date(T0.getTime() + 86_400_000).toISOString(),
    lastUsedAt: null,
  });
  beforeEach(() => pg.truncate());

  it('a token created on one host is found on the other at once, and gone on both once revoked', async () => {
    const [one, two] = [new PgApiTokensRepository(pg.db), new PgApiTokensRepository(pg.otherHost)];
    await one.create(token('t1', 'd1'));
    await expect(two.findByHash('d1')).resolves.toMatchObject({ id: 't1' });
    await two.delete('id-bob', 't1');
    await expect(one.findByHash('d1')).resolves.toBeUndefined();
  });

  it('10 touches at once from two hosts write last_used once', async () => {
    const hosts = [new PgApiTokensRepository(pg.db), new PgApiTokensRepository(pg.otherHost)];
    await hosts[0].create(token('t1', 'd1'));
    const writes = await Promise.all(Array.from({ length: 10 }, (_, i) => hosts[i % 2].touch('t1', T0, 60_000)));
    expect(writes.filter(Boolean)).toHaveLength(1);
  });

  it('a digest is unique: a second row with it is refused', async () => {
    const repo = new PgApiTokensRepository(pg.db);
    await repo.create(token('t1', 'd1'));
    await expect(repo.create(token('t2', 'd1'))).rejects.toThrow();
  });
});
