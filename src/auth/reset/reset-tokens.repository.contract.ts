import type { RepositoryUnderTest } from '../../users/users.repository.contract';
import { ResetToken, ResetTokensRepository } from './reset-tokens.repository';

const T0 = new Date('2026-03-01T12:00:00.000Z');
const HOUR = 3600_000;

function token(overrides: Partial<ResetToken> = {}): ResetToken {
  return {
    tokenSha256: 'digest-1',
    userId: 'id-bob',
    username: 'bob',
    createdAt: T0.toISOString(),
    createdBy: 'root',
    expiresAt: new Date(T0.getTime() + 24 * HOUR).toISOString(),
    ...overrides,
  };
}

/** The behaviour every ResetTokensRepository implementation must have. */
export function describeResetTokensRepositoryContract(
  name: string,
  make: () => Promise<RepositoryUnderTest<ResetTokensRepository>>,
): void {
  describe(`ResetTokensRepository contract: ${name}`, () => {
    let repo: ResetTokensRepository;
    let cleanup: RepositoryUnderTest<ResetTokensRepository>['cleanup'];

    beforeEach(async () => {
      ({ repo, cleanup } = await make());
    });
    afterEach(async () => {
      await cleanup?.();
    });

    it('finds a stored token until it expires', async () => {
      await repo.replaceTokenForUser(token(), T0);
      await expect(repo.findValid('digest-1', T0)).resolves.toEqual(token());
      await expect(repo.findValid('digest-1', new Date(T0.getTime() + 24 * HOUR))).resolves.toBeUndefined();
      await expect(repo.findValid('other', T0)).resolves.toBeUndefined();
    });

    it("a new token for the user kills the user's earlier ones, not other users'", async () => {
      await repo.replaceTokenForUser(token(), T0);
      await repo.replaceTokenForUser(token({ tokenSha256: 'carol-1', userId: 'id-carol', username: 'carol' }), T0);
      await repo.replaceTokenForUser(token({ tokenSha256: 'digest-2' }), T0);
      await expect(repo.findValid('digest-1', T0)).resolves.toBeUndefined();
      await expect(repo.findValid('digest-2', T0)).resolves.toMatchObject({ userId: 'id-bob' });
      await expect(repo.findValid('carol-1', T0)).resolves.toMatchObject({ userId: 'id-carol' });
    });

    it('claim works once', async () => {
      await repo.replaceTokenForUser(token(), T0);
      const claims = await Promise.all([repo.claim('digest-1'), repo.claim('digest-1')]);
      expect(claims.sort()).toEqual([false, true]);
      await expect(repo.findValid('digest-1', T0)).resolves.toBeUndefined();
      await expect(repo.claim('never-stored')).resolves.toBe(false);
    });
  });
}
