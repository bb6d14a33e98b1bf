import { ManualClock } from '../../../../common/clock/clock';
import { usePgDatabase } from '../../../../../test/helpers/pg-repository';
import { describeThrottleRepositoryContract } from '../../throttle.repository.contract';
import { PgThrottleRepository } from './pg-throttle.repository';

const pg = usePgDatabase(['throttle_counters']);

describeThrottleRepositoryContract('postgres', async () => {
  await pg.truncate();
  return { repo: new PgThrottleRepository(pg.db, new ManualClock()) };
});

describe('PgThrottleRepository', () => {
  beforeEach(() => pg.truncate());
  const hosts = () => [
    new PgThrottleRepository(pg.db, new ManualClock()),
    new PgThrottleRepository(pg.otherHost, new ManualClock()),
  ];

  it('40 concurrent increments of a new key from two hosts lose none (update)', async () => {
    const [a, b] = hosts();
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 ? a : b).update('k', 0, (c) => ({
          next: { count: (c?.count ?? 0) + 1, windowStart: 0, expiresAt: 1000 },
          result: undefined,
        })),
      ),
    );
    await expect(a.get('k')).resolves.toMatchObject({ count: 40 });
  });

  it('40 concurrent two-key mutates lose none, and never let more than the limit through', async () => {
    const [a, b] = hosts();
    const limit = 25;
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 ? a : b).mutate(['user:bob', 'ip:1'], 0, (counters) => {
          const user = counters['user:bob'] ?? { count: 0, windowStart: 0, expiresAt: 1000 };
          const ip = counters['ip:1'] ?? { count: 0, windowStart: 0, expiresAt: 1000 };
          if (user.count >= limit) return false;
          counters['user:bob'] = { ...user, count: user.count + 1 };
          counters['ip:1'] = { ...ip, count: ip.count + 1 };
          return true;
        }),
      ),
    );
    expect(outcomes.filter(Boolean)).toHaveLength(limit);
    await expect(a.getMany(['user:bob', 'ip:1'])).resolves.toEqual([
      { count: limit, windowStart: 0, expiresAt: 1000 },
      { count: limit, windowStart: 0, expiresAt: 1000 },
    ]);
  });

  it('keeps lockedUntil and lockNoticed, and drops a counter written already expired', async () => {
    const [repo] = hosts();
    const locked = { count: 3, windowStart: 10, lockedUntil: 1_765_000_000_123, lockNoticed: true, expiresAt: 2e12 };
    await repo.update('locked', 100, () => ({ next: locked, result: undefined }));
    await repo.update('stale', 100, () => ({ next: { count: 1, windowStart: 0, expiresAt: 100 }, result: undefined }));
    await expect(repo.getMany(['locked', 'stale'])).resolves.toEqual([locked, undefined]);
  });

  it('a change that assigns a key it did not name is refused, changing nothing', async () => {
    const [repo] = hosts();
    await repo.update('a', 0, () => ({ next: { count: 1, windowStart: 0, expiresAt: 100 }, result: undefined }));
    await expect(
      repo.mutate(['a'], 0, (counters) => {
        counters['a'] = { count: 2, windowStart: 0, expiresAt: 100 };
        counters['b'] = { count: 1, windowStart: 0, expiresAt: 100 };
      }),
    ).rejects.toThrow();
    await expect(repo.getMany(['a', 'b'])).resolves.toEqual([{ count: 1, windowStart: 0, expiresAt: 100 }, undefined]);
  });

  it('stores keys holding U+0000 (typed by a visitor) without failing or colliding', async () => {
    const [repo] = hosts();
    const set = (key: string, count: number) =>
      repo.update(key, 0, () => ({ next: { count, windowStart: 0, expiresAt: 100 }, result: undefined }));
    await set('user:a\u0000b', 1);
    await set('user:a\\0b', 2);
    await expect(repo.getMany(['user:a\u0000b', 'user:a\\0b'])).resolves.toEqual([
      { count: 1, windowStart: 0, expiresAt: 100 },
      { count: 2, windowStart: 0, expiresAt: 100 },
    ]);
  });
});
