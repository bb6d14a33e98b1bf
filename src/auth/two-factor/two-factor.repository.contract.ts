import { NewEnrolment } from './two-factor.model';
import { TwoFactorRepository } from './two-factor.repository';

/** What every TwoFactorRepository must do; run against each implementation (two-factor.repository.spec.ts). */
export function describeTwoFactorRepositoryContract(
  name: string,
  makeRepository: () => Promise<{ repository: TwoFactorRepository; cleanUp?: () => Promise<void> }>,
): void {
  describe(`TwoFactorRepository contract: ${name}`, () => {
    let repository: TwoFactorRepository;
    let cleanUp: (() => Promise<void>) | undefined;

    beforeEach(async () => {
      ({ repository, cleanUp } = await makeRepository());
    });
    afterEach(async () => {
      await cleanUp?.();
    });

    const enrolment = (sealedSecret: string, usedStep = 100): NewEnrolment => ({
      sealedSecret,
      enabledAt: '2026-12-07T05:00:00.000Z',
      usedStep,
      recoveryCodeHashes: ['h1', 'h2', 'h3'],
    });

    it('knows nothing of a user who never started', async () => {
      expect(await repository.find('u1')).toBeUndefined();
      expect(await repository.enrolledUserIds()).toEqual(new Set());
      expect(await repository.useTimeStep('u1', 5)).toBe(false);
      expect(await repository.useRecoveryCode('u1', 'h1')).toBe(false);
      expect(await repository.remove('u1')).toBe(false);
    });

    it('keeps a pending secret (the newest one) without turning it on', async () => {
      expect(await repository.savePending('u1', 'sealed-a', '2026-12-07T05:00:00.000Z')).toBe(true);
      expect(await repository.savePending('u1', 'sealed-b', '2026-12-07T05:01:00.000Z')).toBe(true);
      expect(await repository.find('u1')).toEqual({
        userId: 'u1',
        pending: { sealedSecret: 'sealed-b', createdAt: '2026-12-07T05:01:00.000Z' },
        enrolment: null,
      });
      expect(await repository.enrolledUserIds()).toEqual(new Set());
    });

    it('enables only with the current pending secret, once', async () => {
      await repository.savePending('u1', 'sealed-a', '2026-12-07T05:00:00.000Z');
      await repository.savePending('u1', 'sealed-b', '2026-12-07T05:01:00.000Z');
      expect(await repository.enable('u1', enrolment('sealed-a'))).toBe(false);
      expect(await repository.enable('u2', enrolment('sealed-b'))).toBe(false);
      expect(await repository.enable('u1', enrolment('sealed-b'))).toBe(true);
      expect(await repository.enable('u1', enrolment('sealed-b'))).toBe(false);
      expect(await repository.find('u1')).toEqual({
        userId: 'u1',
        pending: null,
        enrolment: {
          sealedSecret: 'sealed-b',
          enabledAt: '2026-12-07T05:00:00.000Z',
          lastUsedStep: 100,
          recoveryCodeHashes: ['h1', 'h2', 'h3'],
        },
      });
      expect(await repository.enrolledUserIds()).toEqual(new Set(['u1']));
      // No new pending secret while it is on.
      expect(await repository.savePending('u1', 'sealed-c', '2026-12-07T05:02:00.000Z')).toBe(false);
    });

    it('accepts each time step once, and never an older one', async () => {
      await repository.savePending('u1', 's', '2026-12-07T05:00:00.000Z');
      await repository.enable('u1', enrolment('s', 100));
      expect(await repository.useTimeStep('u1', 100)).toBe(false);
      expect(await repository.useTimeStep('u1', 99)).toBe(false);
      expect(await repository.useTimeStep('u1', 101)).toBe(true);
      expect(await repository.useTimeStep('u1', 101)).toBe(false);
      expect((await repository.find('u1'))?.enrolment?.lastUsedStep).toBe(101);
    });

    it('lets only one of two concurrent uses of a step or a recovery code through', async () => {
      await repository.savePending('u1', 's', '2026-12-07T05:00:00.000Z');
      await repository.enable('u1', enrolment('s', 100));
      const steps = await Promise.all([repository.useTimeStep('u1', 102), repository.useTimeStep('u1', 102)]);
      expect(steps.filter(Boolean)).toHaveLength(1);
      const codes = await Promise.all([repository.useRecoveryCode('u1', 'h2'), repository.useRecoveryCode('u1', 'h2')]);
      expect(codes.filter(Boolean)).toHaveLength(1);
    });

    it('uses each recovery code once', async () => {
      await repository.savePending('u1', 's', '2026-12-07T05:00:00.000Z');
      await repository.enable('u1', enrolment('s'));
      expect(await repository.useRecoveryCode('u1', 'h2')).toBe(true);
      expect(await repository.useRecoveryCode('u1', 'h2')).toBe(false);
      expect(await repository.useRecoveryCode('u1', 'nope')).toBe(false);
      expect((await repository.find('u1'))?.enrolment?.recoveryCodeHashes).toEqual(['h1', 'h3']);
    });

    it('remove turns it off and forgets the pending secret too', async () => {
      await repository.savePending('u1', 's', '2026-12-07T05:00:00.000Z');
      await repository.enable('u1', enrolment('s'));
      await repository.savePending('u2', 'p', '2026-12-07T05:00:00.000Z');
      expect(await repository.remove('u1')).toBe(true);
      expect(await repository.remove('u2')).toBe(false);
      expect(await repository.find('u1')).toBeUndefined();
      expect(await repository.find('u2')).toBeUndefined();
      expect(await repository.enrolledUserIds()).toEqual(new Set());
    });

    it('hands out copies: changing a returned state changes nothing stored', async () => {
      await repository.savePending('u1', 's', '2026-12-07T05:00:00.000Z');
      await repository.enable('u1', enrolment('s'));
      const state = await repository.find('u1');
      state!.enrolment!.recoveryCodeHashes.length = 0;
      expect((await repository.find('u1'))?.enrolment?.recoveryCodeHashes).toHaveLength(3);
    });
  });
}
