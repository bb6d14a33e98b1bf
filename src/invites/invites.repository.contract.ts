import type { RepositoryUnderTest } from '../users/users.repository.contract';
import { InviteCodeTakenError, InviteNotFoundError, InviteNotValidError } from './invite-errors';
import { NewInviteData } from './invite.model';
import { InvitesRepository } from './invites.repository';

const T0 = new Date('2026-03-01T12:00:00.000Z');
const later = (ms: number) => new Date(T0.getTime() + ms);

export function newInviteData(overrides: Partial<NewInviteData> = {}): NewInviteData {
  return {
    code: 'code-0001',
    note: '',
    role: 'user',
    createdAt: T0.toISOString(),
    createdBy: 'root',
    maxUses: 1,
    expiresAt: null,
    ...overrides,
  };
}

/** The behaviour every InvitesRepository implementation must have (files, memory, later PostgreSQL). */
export function describeInvitesRepositoryContract(
  name: string,
  make: () => Promise<RepositoryUnderTest<InvitesRepository>>,
): void {
  describe(`InvitesRepository contract: ${name}`, () => {
    let repo: InvitesRepository;
    let cleanup: RepositoryUnderTest<InvitesRepository>['cleanup'];

    beforeEach(async () => {
      ({ repo, cleanup } = await make());
    });
    afterEach(async () => {
      await cleanup?.();
    });

    it('creates an active invite and finds it by its exact code', async () => {
      const created = await repo.createInvite(
        newInviteData({ code: 'Team-2026', note: 'n', role: 'admin', maxUses: 2 }),
      );
      expect(created).toEqual({
        code: 'Team-2026',
        note: 'n',
        role: 'admin',
        createdAt: T0.toISOString(),
        createdBy: 'root',
        maxUses: 2,
        uses: 0,
        expiresAt: null,
        revokedAt: null,
        usedBy: [],
        status: 'active',
      });
      await expect(repo.findByCode('Team-2026', T0)).resolves.toEqual(created);
      await expect(repo.findByCode('team-2026', T0)).resolves.toBeUndefined();
    });

    it('refuses a code that exists', async () => {
      await repo.createInvite(newInviteData());
      await expect(repo.createInvite(newInviteData({ note: 'again' }))).rejects.toThrow(InviteCodeTakenError);
      await expect(repo.list(T0)).resolves.toHaveLength(1);
    });

    it('lists in creation order', async () => {
      await repo.createInvite(newInviteData({ code: 'first-1' }));
      await repo.createInvite(newInviteData({ code: 'second-2' }));
      expect((await repo.list(T0)).map((i) => i.code)).toEqual(['first-1', 'second-2']);
    });

    it('redeem takes one use at a time, is "used" at maxUses and refuses after, changing nothing', async () => {
      await repo.createInvite(newInviteData({ maxUses: 2 }));
      await expect(repo.redeemInvite('code-0001', 'a', T0)).resolves.toMatchObject({ uses: 1, status: 'active' });
      await expect(repo.redeemInvite('code-0001', 'b', T0)).resolves.toMatchObject({
        uses: 2,
        usedBy: ['a', 'b'],
        status: 'used',
      });
      await expect(repo.redeemInvite('code-0001', 'c', T0)).rejects.toThrow(InviteNotValidError);
      await expect(repo.findByCode('code-0001', T0)).resolves.toMatchObject({ uses: 2, usedBy: ['a', 'b'] });
    });

    it('redeem refuses unknown, expired and revoked codes', async () => {
      await repo.createInvite(newInviteData({ code: 'expiring', expiresAt: later(1000).toISOString() }));
      await repo.createInvite(newInviteData({ code: 'revoked1' }));
      await repo.revokeInvite('revoked1', 'root', T0);
      await expect(repo.findByCode('expiring', later(1000))).resolves.toMatchObject({ status: 'expired' });
      for (const code of ['expiring', 'revoked1', 'unknown']) {
        await expect(repo.redeemInvite(code, 'x', later(1000))).rejects.toThrow(InviteNotValidError);
      }
      await expect(repo.redeemInvite('expiring', 'x', later(999))).resolves.toMatchObject({ uses: 1 });
    });

    it('release gives the use back; unknown codes are ignored', async () => {
      await repo.createInvite(newInviteData());
      await repo.redeemInvite('code-0001', 'a', T0);
      await repo.releaseInvite('code-0001', 'a');
      await repo.releaseInvite('nope', 'a');
      await expect(repo.findByCode('code-0001', T0)).resolves.toMatchObject({ uses: 0, usedBy: [], status: 'active' });
    });

    it('revoke keeps the first revocation time; an unknown code is InviteNotFoundError', async () => {
      await repo.createInvite(newInviteData());
      await expect(repo.revokeInvite('code-0001', 'root', T0)).resolves.toMatchObject({
        status: 'revoked',
        revokedAt: T0.toISOString(),
      });
      await expect(repo.revokeInvite('code-0001', 'root', later(5000))).resolves.toMatchObject({
        revokedAt: T0.toISOString(),
      });
      await expect(repo.revokeInvite('nope', 'root', T0)).rejects.toThrow(InviteNotFoundError);
    });

    it('hands out copies', async () => {
      const created = await repo.createInvite(newInviteData());
      created.usedBy.push('x');
      await expect(repo.findByCode('code-0001', T0)).resolves.toMatchObject({ usedBy: [] });
    });
  });
}
