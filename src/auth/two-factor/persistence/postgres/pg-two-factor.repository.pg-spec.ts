import { usePgDatabase } from '../../../../../test/helpers/pg-repository';
import { describeTwoFactorRepositoryContract } from '../../two-factor.repository.contract';
import { PgTwoFactorRepository } from './pg-two-factor.repository';

const pg = usePgDatabase(['two_factor']);

describeTwoFactorRepositoryContract('postgres', async () => {
  await pg.truncate();
  return { repository: new PgTwoFactorRepository(pg.db) };
});

describe('PgTwoFactorRepository across hosts (two pools)', () => {
  let hosts: PgTwoFactorRepository[];
  beforeEach(async () => {
    await pg.truncate();
    hosts = [new PgTwoFactorRepository(pg.db), new PgTwoFactorRepository(pg.otherHost)];
    await hosts[0].savePending('u1', 'sealed', '2026-12-07T05:00:00.000Z');
    await hosts[1].enable('u1', {
      sealedSecret: 'sealed',
      enabledAt: '2026-12-07T05:00:30.000Z',
      usedStep: 100,
      recoveryCodeHashes: ['h1', 'h2', 'h3', 'h4'],
    });
  });

  it('the same recovery code used 10 times at once: exactly one succeeds, the others stay', async () => {
    const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => hosts[i % 2].useRecoveryCode('u1', 'h3')));
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect((await hosts[1].find('u1'))?.enrolment?.recoveryCodeHashes).toEqual(['h1', 'h2', 'h4']);
  });

  it('different recovery codes used at once from both hosts: all succeed, none lost', async () => {
    const outcomes = await Promise.all(['h1', 'h2', 'h3', 'h4'].map((h, i) => hosts[i % 2].useRecoveryCode('u1', h)));
    expect(outcomes).toEqual([true, true, true, true]);
    expect((await hosts[0].find('u1'))?.enrolment?.recoveryCodeHashes).toEqual([]);
  });

  it('the same TOTP step twice at once (one per host): one is accepted', async () => {
    const outcomes = await Promise.all([hosts[0].useTimeStep('u1', 101), hosts[1].useTimeStep('u1', 101)]);
    expect(outcomes.filter(Boolean)).toHaveLength(1);
  });

  it('10 concurrent uses of steps 101..105: the step only moves forward, each accepted step once', async () => {
    const steps = Array.from({ length: 10 }, (_, i) => 101 + (i % 5));
    const outcomes = await Promise.all(steps.map((step, i) => hosts[i % 2].useTimeStep('u1', step)));
    const accepted = steps.filter((_, i) => outcomes[i]);
    expect(new Set(accepted).size).toBe(accepted.length);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    expect((await hosts[0].find('u1'))?.enrolment?.lastUsedStep).toBe(105);
    await expect(hosts[1].useTimeStep('u1', 105)).resolves.toBe(false);
  });

  it('enable raced from two hosts with the same pending secret: one wins', async () => {
    await hosts[0].savePending('u2', 'p', '2026-12-07T05:00:00.000Z');
    const enrolment = { sealedSecret: 'p', enabledAt: '2026-12-07T05:01:00.000Z', usedStep: 1, recoveryCodeHashes: [] };
    const outcomes = await Promise.all([hosts[0].enable('u2', enrolment), hosts[1].enable('u2', enrolment)]);
    expect(outcomes.filter(Boolean)).toHaveLength(1);
  });

  it('a user id or code holding U+0000 is simply not found', async () => {
    await expect(hosts[0].find('u1\u0000')).resolves.toBeUndefined();
    await expect(hosts[0].useRecoveryCode('u1', 'h1\u0000')).resolves.toBe(false);
    await expect(hosts[0].useTimeStep('u1\u0000', 500)).resolves.toBe(false);
  });
});
