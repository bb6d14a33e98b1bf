import type { RepositoryUnderTest } from '../../users/users.repository.contract';
import { ThrottleRepository } from './throttle.repository';

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

    it('mutate changes several counters at once and drops every expired one', async () => {
      await repo.mutate(0, (counters) => {
        counters.old = { count: 5, windowStart: 0, expiresAt: 50 };
        counters.kept = { count: 1, windowStart: 0, expiresAt: 500 };
      });
      await repo.mutate(100, (counters) => {
        counters.fresh = { count: 1, windowStart: 100, expiresAt: 200 };
      });
      await expect(repo.getMany(['old', 'kept', 'fresh'])).resolves.toEqual([
        undefined,
        { count: 1, windowStart: 0, expiresAt: 500 },
        { count: 1, windowStart: 100, expiresAt: 200 },
      ]);
    });

    it('a change that throws changes nothing', async () => {
      await repo.update('a', 0, () => ({ next: { count: 1, windowStart: 0, expiresAt: 100 }, result: undefined }));
      await expect(
        repo.mutate(0, (counters) => {
          counters.a.count = 99;
          throw new Error('refused');
        }),
      ).rejects.toThrow('refused');
      await expect(repo.get('a')).resolves.toMatchObject({ count: 1 });
    });
  });
}
