import { NewEnrolment, TwoFactorState } from './two-factor.model';

/**
 * Two-factor login state per user (DI token; bound per store in persistence/two-factor.persistence.ts).
 * Each method is one atomic change: the replay and one-use rules are compare-and-set here, so two
 * requests racing with the same code cannot both pass.
 */
export abstract class TwoFactorRepository {
  /** Undefined when the user never started an enrolment (or it was turned off). */
  abstract find(userId: string): Promise<TwoFactorState | undefined>;

  /** Ids of the users with two-factor login on (the admin panel's column). */
  abstract enrolledUserIds(): Promise<Set<string>>;

  /** Stores a new pending secret, replacing an older pending one. False (nothing changed) when already on. */
  abstract savePending(userId: string, sealedSecret: string, createdAt: string): Promise<boolean>;

  /**
   * Turns two-factor login on with the pending secret, clearing it. False (nothing changed) when it is
   * already on or the pending secret is no longer `enrolment.sealedSecret`.
   */
  abstract enable(userId: string, enrolment: NewEnrolment): Promise<boolean>;

  /** Accepts TOTP time step `step` once: true and recorded when it is newer than the last one accepted. */
  abstract useTimeStep(userId: string, step: number): Promise<boolean>;

  /** Uses up a recovery code by its hash: true once, false afterwards or when unknown. */
  abstract useRecoveryCode(userId: string, codeHash: string): Promise<boolean>;

  /** Turns two-factor login off and drops any pending setup. True when it was on. */
  abstract remove(userId: string): Promise<boolean>;
}
