import type { RepositoryUnderTest } from '../../users/users.repository.contract';
import { ThrottleCounter, ThrottleRepository } from './throttle.repository';

/** The behaviour every ThrottleRepository implementation must have. */
export function describeThrottleRepositoryContract(
  name: string,
  make: () => Promise<RepositoryUnderTest<ThrottleRepository>>,
): void {
  describe(`ThrottleRepository contract: ${name}`, () => {
    let repo: ThrottleRepository;
    let cleanup: RepositoryUnderTest<ThrottleRepository>['cleanup'];

    beforeEach(async () => {
      ({ repo, cleanup } = await make());
    });
    afterEach(async () => {
      await cleanup?.();
    });

    it('update sets, returns the result of, and deletes one counter', async () => {
      const result = await repo.update('a', 0, () => ({
        next: { count: 1, windowStart: 0, expiresAt: 100 },
        result: 'set',
      }));
      expect(result).toBe('set');
      await expect(repo.get('a')).resolves.toEqual({ count: 1, windowStart: 0, expiresAt: 100 });
      await repo.update('a', 0, (current) => ({ next: { ...current!, count: current!.count + 1 }, result: undefined }));
      await expect(repo.getMany(['a', 'b'])).resolves.toEqual([
        { count: 2, windowStart: 0, expiresAt: 100 },
        undefined,
      ]);
      await repo.update('a', 0, () => ({ next: undefined, result: undefined }));
      await expect(repo.get('a')).resolves.toBeUndefined();
    });

    it('mutate changes several named counters at once', async () => {
      await repo.mutate(['x', 'y'], 0, (counters) => {
        counters.x = { count: 1, windowStart: 0, expiresAt: 500 };
        counters.y = { count: 2, windowStart: 0, expiresAt: 500 };
      });
      await repo.mutate(['x', 'y'], 10, (counters) => {
        counters.x.count += 10;
        delete counters.y;
      });
      await expect(repo.getMany(['x', 'y'])).resolves.toEqual([
        { count: 11, windowStart: 0, expiresAt: 500 },
        undefined,
      ]);
    });

    it('mutate sees and changes only the keys it names', async () => {
      await repo.update('other', 0, () => ({ next: { count: 7, windowStart: 0, expiresAt: 500 }, result: undefined }));
      const seen = await repo.mutate(['mine'], 0, (counters) => {
        const keys = Object.keys(counters);
        counters.mine = { count: 1, windowStart: 0, expiresAt: 500 };
        return keys;
      });
      expect(seen).toEqual([]);
      await expect(repo.get('other')).resolves.toEqual({ count: 7, windowStart: 0, expiresAt: 500 });
      await expect(
        repo.mutate(['mine'], 0, (counters) => {
          counters.mine.count = 50;
          counters.other = { count: 0, windowStart: 0, expiresAt: 500 };
        }),
      ).rejects.toThrow('"other" was not named');
      await expect(repo.getMany(['mine', 'other'])).resolves.toEqual([
        { count: 1, windowStart: 0, expiresAt: 500 },
        { count: 7, windowStart: 0, expiresAt: 500 },
      ]);
    });

    it('expired counters are absent to mutate, are dropped when a change reads them, and are swept', async () => {
      await repo.mutate(['old', 'kept', 'swept'], 0, (counters) => {
        counters.old = { count: 5, windowStart: 0, expiresAt: 50 };
        counters.kept = { count: 1, windowStart: 0, expiresAt: 500 };
        counters.swept = { count: 3, windowStart: 0, expiresAt: 60 };
      });
      const seen = await repo.mutate(['old', 'kept', 'fresh'], 100, (counters) => {
        counters.fresh = { count: 1, windowStart: 100, expiresAt: 200 };
        return Object.keys(counters).sort();
      });
      expect(seen).toEqual(['fresh', 'kept']);
      await expect(repo.getMany(['old', 'kept', 'fresh'])).resolves.toEqual([
        undefined,
        { count: 1, windowStart: 0, expiresAt: 500 },
        { count: 1, windowStart: 100, expiresAt: 200 },
      ]);
      // A counter set already expired is not stored.
      await repo.mutate(['dead'], 100, (counters) => {
        counters.dead = { count: 1, windowStart: 0, expiresAt: 100 };
      });
      await expect(repo.get('dead')).resolves.toBeUndefined();
      expect(await repo.sweepExpired(100)).toBe(1);
      await expect(repo.getMany(['swept', 'kept', 'fresh'])).resolves.toEqual([
        undefined,
        { count: 1, windowStart: 0, expiresAt: 500 },
        { count: 1, windowStart: 100, expiresAt: 200 },
      ]);
      expect(await repo.sweepExpired(100)).toBe(0);
    });

    it('concurrent changes of the same keys lose no count', async () => {
      const bump = (counter: ThrottleCounter | undefined): ThrottleCounter => ({
        count: (counter?.count ?? 0) + 1,
        windowStart: 0,
        expiresAt: 1_000,
      });
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          // Names in either order: a change locks its keys in one order whatever order it names them.
          repo.mutate(i % 2 ? ['user', 'ip'] : ['ip', 'user', `own-${i}`], 0, (counters) => {
            counters.user = bump(counters.user);
            counters.ip = bump(counters.ip);
          }),
        ),
      );
      await Promise.all(
        Array.from({ length: 20 }, () => repo.update('user', 0, (c) => ({ next: bump(c), result: 0 }))),
      );
      await expect(repo.getMany(['user', 'ip'])).resolves.toEqual([
        { count: 60, windowStart: 0, expiresAt: 1_000 },
        { count: 40, windowStart: 0, expiresAt: 1_000 },
      ]);
    });

    it('a change that throws changes nothing', async () => {
      await repo.update('a', 0, () => ({ next: { count: 1, windowStart: 0, expiresAt: 100 }, result: undefined }));
      await expect(
        repo.mutate(['a', 'b'], 0, (counters) => {
          counters.a.count = 99;
          counters.b = { count: 1, windowStart: 0, expiresAt: 100 };
          throw new Error('refused');
        }),
      ).rejects.toThrow('refused');
      await expect(repo.getMany(['a', 'b'])).resolves.toEqual([
        { count: 1, windowStart: 0, expiresAt: 100 },
        undefined,
      ]);
    });
  });
}
