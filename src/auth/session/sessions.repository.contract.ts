import { SessionsRepository, StoredSession } from './sessions.repository';

/** The behaviour every SessionsRepository implementation must have (run by sessions.repository.spec.ts). */
export function describeSessionsRepositoryContract(
  name: string,
  make: () => Promise<{ repo: SessionsRepository; cleanup?: () => Promise<void> | void }>,
): void {
  describe(`SessionsRepository contract: ${name}`, () => {
    const NOW = Date.parse('2026-05-01T12:00:00Z');
    let repo: SessionsRepository;
    let cleanup: (() => Promise<void> | void) | undefined;
    const session = (userId: string, expiresAt = NOW + 60_000): StoredSession => ({
      data: { cookie: { originalMaxAge: null }, userId, lastSeenAt: NOW },
      expiresAt,
    });

    beforeEach(async () => {
      ({ repo, cleanup } = await make());
    });
    afterEach(async () => {
      await cleanup?.();
    });

    it('saves a session and finds it back, as a copy', async () => {
      await repo.save('sid-1', session('u1'));
      const found = await repo.find('sid-1', NOW);
      expect(found).toEqual(session('u1'));
      (found as StoredSession).data.userId = 'changed by the caller';
      expect((await repo.find('sid-1', NOW))?.data.userId).toBe('u1');
    });

    it('finds nothing for an unknown id', async () => {
      expect(await repo.find('nobody', NOW)).toBeUndefined();
    });

    it('replaces a session on save, and leaves the other sessions alone', async () => {
      await repo.save('a', session('u1'));
      await repo.save('b', session('u2'));
      await repo.save('a', session('u3'));
      expect((await repo.find('a', NOW))?.data.userId).toBe('u3');
      expect((await repo.find('b', NOW))?.data.userId).toBe('u2');
      expect(await repo.count()).toBe(2);
    });

    it('does not return a session at or after its expiry', async () => {
      await repo.save('s', session('u1', NOW + 1000));
      expect(await repo.find('s', NOW + 999)).toBeDefined();
      expect(await repo.find('s', NOW + 1000)).toBeUndefined();
    });

    it('removes a session; removing an unknown one is fine', async () => {
      await repo.save('bye', session('u1'));
      await repo.remove('bye');
      await repo.remove('never-there');
      expect(await repo.find('bye', NOW)).toBeUndefined();
      expect(await repo.count()).toBe(0);
    });

    it('sweeps the expired sessions only, and says how many', async () => {
      await repo.save('old', session('u1', NOW - 1));
      await repo.save('edge', session('u2', NOW));
      await repo.save('fresh', session('u3', NOW + 1));
      expect(await repo.sweepExpired(NOW)).toBe(2);
      expect(await repo.count()).toBe(1);
      expect(await repo.find('fresh', NOW)).toBeDefined();
      expect(await repo.sweepExpired(NOW)).toBe(0);
    });

    it('keeps ids that look like paths as opaque keys', async () => {
      await repo.save('../../etc/passwd', session('u1'));
      expect((await repo.find('../../etc/passwd', NOW))?.data.userId).toBe('u1');
      expect(await repo.find('passwd', NOW)).toBeUndefined();
    });

    it('takes concurrent saves of different sessions', async () => {
      await Promise.all(Array.from({ length: 50 }, (_, i) => repo.save(`s${i}`, session(`u${i}`))));
      expect(await repo.count()).toBe(50);
      expect((await repo.find('s42', NOW))?.data.userId).toBe('u42');
    });
  });
}
