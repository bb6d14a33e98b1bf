import { usePgDatabase } from '../../../../../test/helpers/pg-repository';
import { describeResetTokensRepositoryContract } from '../../reset-tokens.repository.contract';
import { PgResetTokensRepository } from './pg-reset-tokens.repository';

const pg = usePgDatabase(['password_reset_tokens']);

describeResetTokensRepositoryContract('postgres', async () => {
  await pg.truncate();
  return { repo: new PgResetTokensRepository(pg.db) };
});

describe('PgResetTokensRepository: concurrency (two pools = two hosts)', () => {
  const T0 = new Date('2026-03-01T12:00:00.000Z');
  const token = (digest: string, userId = 'id-bob') => ({
    tokenSha256: digest,
    userId,
    username: 'bob',
    createdAt: T0.toISOString(),
    createdBy: 'root',
    expiresAt: new Date(T0.getTime() + 3600_000).toISOString(),
  });
  beforeEach(() => pg.truncate());

  it('10 concurrent claims of one token from two hosts: exactly one is true', async () => {
    const hosts = [new PgResetTokensRepository(pg.db), new PgResetTokensRepository(pg.otherHost)];
    await hosts[0].replaceTokenForUser(token('d1'), T0);
    const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => hosts[i % 2].claim('d1')));
    expect(claims.filter(Boolean)).toHaveLength(1);
  });

  it('concurrent new tokens for one user leave exactly one live token', async () => {
    const hosts = [new PgResetTokensRepository(pg.db), new PgResetTokensRepository(pg.otherHost)];
    await Promise.all(Array.from({ length: 8 }, (_, i) => hosts[i % 2].replaceTokenForUser(token(`d${i}`), T0)));
    const live = await Promise.all(Array.from({ length: 8 }, (_, i) => hosts[0].findValid(`d${i}`, T0)));
    expect(live.filter(Boolean)).toHaveLength(1);
  });

  it('drops expired tokens of other users when storing one', async () => {
    const repo = new PgResetTokensRepository(pg.db);
    await repo.replaceTokenForUser(token('old', 'id-carol'), T0);
    await repo.replaceTokenForUser(token('new'), new Date(T0.getTime() + 3600_000));
    const { rows } = await pg.db.query<{ token_sha256: string }>('SELECT token_sha256 FROM password_reset_tokens');
    expect(rows.map((r) => r.token_sha256)).toEqual(['new']);
  });
});
