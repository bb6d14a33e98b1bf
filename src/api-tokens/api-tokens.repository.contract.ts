import type { RepositoryUnderTest } from '../users/users.repository.contract';
import type { ApiToken } from './api-token.model';
import { ApiTokensRepository } from './api-tokens.repository';

const T0 = new Date('2026-03-01T12:00:00.000Z');
const MINUTE = 60_000;
const DAY = 24 * 3600_000;

function token(overrides: Partial<ApiToken> = {}): ApiToken {
  return {
    id: 'tok-1',
    userId: 'id-bob',
    name: 'ci',
    tokenSha256: 'digest-1',
    createdAt: T0.toISOString(),
    expiresAt: new Date(T0.getTime() + 90 * DAY).toISOString(),
    lastUsedAt: null,
    ...overrides,
  };
}

/** The behaviour every ApiTokensRepository implementation must have (json, memory, postgres). */
export function describeApiTokensRepositoryContract(
  name: string,
  make: () => Promise<RepositoryUnderTest<ApiTokensRepository>>,
): void {
  describe(`ApiTokensRepository contract: ${name}`, () => {
    let repo: ApiTokensRepository;
    let cleanup: RepositoryUnderTest<ApiTokensRepository>['cleanup'];

    beforeEach(async () => {
      ({ repo, cleanup } = await make());
    });
    afterEach(async () => {
      await cleanup?.();
    });

    it('finds a token by its digest only, expired or not', async () => {
      await repo.create(token());
      await repo.create(token({ id: 'tok-old', tokenSha256: 'digest-old', expiresAt: T0.toISOString() }));
      await expect(repo.findByHash('digest-1')).resolves.toEqual(token());
      await expect(repo.findByHash('digest-old')).resolves.toMatchObject({ id: 'tok-old' });
      await expect(repo.findByHash('tok-1')).resolves.toBeUndefined();
      await expect(repo.findByHash('')).resolves.toBeUndefined();
    });

    it("lists a user's tokens newest first, nobody else's", async () => {
      await repo.create(token({ id: 'a', tokenSha256: 'd-a', createdAt: T0.toISOString() }));
      await repo.create(
        token({ id: 'b', tokenSha256: 'd-b', createdAt: new Date(T0.getTime() + MINUTE).toISOString() }),
      );
      await repo.create(token({ id: 'c', tokenSha256: 'd-c', userId: 'id-carol' }));
      await repo.create(token({ id: 'd', tokenSha256: 'd-d', createdAt: T0.toISOString() }));
      expect((await repo.listForUser('id-bob')).map((t) => t.id)).toEqual(['b', 'd', 'a']);
      expect((await repo.listForUser('id-carol')).map((t) => t.id)).toEqual(['c']);
      await expect(repo.listForUser('id-nobody')).resolves.toEqual([]);
    });

    it('keeps names as given (unicode, quotes)', async () => {
      await repo.create(token({ name: 'déploiement "nightly" – ☃' }));
      await expect(repo.findByHash('digest-1')).resolves.toMatchObject({ name: 'déploiement "nightly" – ☃' });
    });

    it("delete removes only the owner's token, once", async () => {
      await repo.create(token());
      await expect(repo.delete('id-carol', 'tok-1')).resolves.toBeUndefined();
      await expect(repo.findByHash('digest-1')).resolves.toBeDefined();
      const both = await Promise.all([repo.delete('id-bob', 'tok-1'), repo.delete('id-bob', 'tok-1')]);
      expect(both.filter(Boolean)).toEqual([token()]);
      await expect(repo.findByHash('digest-1')).resolves.toBeUndefined();
      await expect(repo.delete('id-bob', 'never')).resolves.toBeUndefined();
    });

    it('deleteAllForUser removes every token of that user and answers them', async () => {
      await repo.create(token({ id: 'a', tokenSha256: 'd-a' }));
      await repo.create(token({ id: 'b', tokenSha256: 'd-b' }));
      await repo.create(token({ id: 'c', tokenSha256: 'd-c', userId: 'id-carol' }));
      expect((await repo.deleteAllForUser('id-bob')).map((t) => t.id).sort()).toEqual(['a', 'b']);
      await expect(repo.findByHash('d-a')).resolves.toBeUndefined();
      await expect(repo.findByHash('d-b')).resolves.toBeUndefined();
      await expect(repo.findByHash('d-c')).resolves.toBeDefined();
      await expect(repo.deleteAllForUser('id-bob')).resolves.toEqual([]);
    });

    it('touch writes last_used at most once per interval', async () => {
      await repo.create(token());
      await expect(repo.touch('tok-1', T0, MINUTE)).resolves.toBe(true);
      await expect(repo.touch('tok-1', new Date(T0.getTime() + MINUTE - 1), MINUTE)).resolves.toBe(false);
      await expect(repo.findByHash('digest-1')).resolves.toMatchObject({ lastUsedAt: T0.toISOString() });
      const later = new Date(T0.getTime() + MINUTE);
      await expect(repo.touch('tok-1', later, MINUTE)).resolves.toBe(true);
      await expect(repo.findByHash('digest-1')).resolves.toMatchObject({ lastUsedAt: later.toISOString() });
      await expect(repo.touch('missing', later, MINUTE)).resolves.toBe(false);
    });

    it('concurrent touches of one token write once', async () => {
      await repo.create(token());
      const writes = await Promise.all(Array.from({ length: 6 }, () => repo.touch('tok-1', T0, MINUTE)));
      expect(writes.filter(Boolean)).toHaveLength(1);
    });

    it('counts live (unexpired) tokens per user', async () => {
      await repo.create(token({ id: 'a', tokenSha256: 'd-a' }));
      await repo.create(token({ id: 'b', tokenSha256: 'd-b', expiresAt: T0.toISOString() }));
      await repo.create(token({ id: 'c', tokenSha256: 'd-c', userId: 'id-carol' }));
      await repo.create(token({ id: 'd', tokenSha256: 'd-d' }));
      const counts = await repo.countLiveByUser(T0);
      expect(Object.fromEntries(counts)).toEqual({ 'id-bob': 2, 'id-carol': 1 });
    });
  });
}
