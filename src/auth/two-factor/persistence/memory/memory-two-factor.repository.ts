import { Injectable } from '@nestjs/common';
import { NewEnrolment, TwoFactorState } from '../../two-factor.model';
import { TwoFactorRepository } from '../../two-factor.repository';

/** In-process TwoFactorRepository for service tests; passes the same contract as the JSON one. */
@Injectable()
export class MemoryTwoFactorRepository extends TwoFactorRepository {
  private readonly states = new Map<string, TwoFactorState>();

  find(userId: string): Promise<TwoFactorState | undefined> {
    const state = this.states.get(userId);
    return Promise.resolve(state && structuredClone(state));
  }

  enrolledUserIds(): Promise<Set<string>> {
    return Promise.resolve(new Set([...this.states.values()].filter((s) => s.enrolment).map((s) => s.userId)));
  }

  savePending(userId: string, sealedSecret: string, createdAt: string): Promise<boolean> {
    const state = this.stateOf(userId);
    if (state.enrolment) return Promise.resolve(false);
    state.pending = { sealedSecret, createdAt };
    this.states.set(userId, state);
    return Promise.resolve(true);
  }

  enable(userId: string, enrolment: NewEnrolment): Promise<boolean> {
    const state = this.states.get(userId);
    if (!state || state.enrolment || state.pending?.sealedSecret !== enrolment.sealedSecret) {
      return Promise.resolve(false);
    }
    state.pending = null;
    state.enrolment = {
      sealedSecret: enrolment.sealedSecret,
      enabledAt: enrolment.enabledAt,
      lastUsedStep: enrolment.usedStep,
      recoveryCodeHashes: [...enrolment.recoveryCodeHashes],
    };
    return Promise.resolve(true);
  }

  useTimeStep(userId: string, step: number): Promise<boolean> {
    const enrolment = this.states.get(userId)?.enrolment;
    if (!enrolment || step <= enrolment.lastUsedStep) return Promise.resolve(false);
    enrolment.lastUsedStep = step;
    return Promise.resolve(true);
  }

  useRecoveryCode(userId: string, codeHash: string): Promise<boolean> {
    const hashes = this.states.get(userId)?.enrolment?.recoveryCodeHashes;
    const index = hashes ? hashes.indexOf(codeHash) : -1;
    if (!hashes || index < 0) return Promise.resolve(false);
    hashes.splice(index, 1);
    return Promise.resolve(true);
  }

  remove(userId: string): Promise<boolean> {
    const state = this.states.get(userId);
    this.states.delete(userId);
    return Promise.resolve(!!state?.enrolment);
  }

  private stateOf(userId: string): TwoFactorState {
    return this.states.get(userId) ?? { userId, pending: null, enrolment: null };
  }
}
