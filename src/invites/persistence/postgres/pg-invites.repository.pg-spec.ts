import { usePgDatabase } from '../../../../test/helpers/pg-repository';
import { InviteNotValidError } from '../../invite-errors';
import { describeInvitesRepositoryContract, newInviteData } from '../../invites.repository.contract';
import { PgInvitesRepository } from './pg-invites.repository';

const pg = usePgDatabase(['invites']);

describeInvitesRepositoryContract('postgres', async () => {
  await pg.truncate();
  return { repo: new PgInvitesRepository(pg.db) };
});

describe('PgInvitesRepository: concurrency (two pools = two hosts)', () => {
  const now = new Date('2026-03-01T12:00:00.000Z');
  beforeEach(() => pg.truncate());

  it.each([1, 3])('12 concurrent redeems of a %i-use invite: exactly that many succeed', async (maxUses) => {
    const hosts = [new PgInvitesRepository(pg.db), new PgInvitesRepository(pg.otherHost)];
    await hosts[0].createInvite(newInviteData({ code: 'race', maxUses }));
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) => hosts[i % 2].redeemInvite('race', `u${i}`, now)),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(maxUses);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(InviteNotValidError);
    const invite = await hosts[1].findByCode('race', now);
    expect(invite).toMatchObject({ uses: maxUses, status: 'used' });
    expect(invite!.usedBy).toHaveLength(maxUses);
  });

  it('a code holding U+0000 (typed at the register form) is not valid, not a database error', async () => {
    const repo = new PgInvitesRepository(pg.db);
    await repo.createInvite(newInviteData({ code: 'plain' }));
    await expect(repo.findByCode('plain\u0000', now)).resolves.toBeUndefined();
    await expect(repo.redeemInvite('plain\u0000', 'a', now)).rejects.toThrow(InviteNotValidError);
  });

  it('a redeem inside a transaction that rolls back gives nothing away', async () => {
    const repo = new PgInvitesRepository(pg.db);
    await repo.createInvite(newInviteData({ code: 'rolled' }));
    await expect(
      pg.db.transaction(async () => {
        await repo.redeemInvite('rolled', 'a', now);
        throw new Error('account creation failed');
      }),
    ).rejects.toThrow('account creation failed');
    await expect(repo.findByCode('rolled', now)).resolves.toMatchObject({ uses: 0, status: 'active' });
  });
});
