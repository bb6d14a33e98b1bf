import { Injectable } from '@nestjs/common';
import { JsonFile } from '../../../../persistence/json/json-file';
import { JsonStore } from '../../../../persistence/json/json-store.service';
import { assertObjectWithMap } from '../../../../persistence/json/shapes';
import { NewEnrolment, TwoFactorState } from '../../two-factor.model';
import { TwoFactorRepository } from '../../two-factor.repository';
import { toState, TwoFactorFile, TwoFactorRecord } from './two-factor.record';

export const TWO_FACTOR_FILE = 'two-factor.json';

/** TwoFactorRepository over DATA_DIR/two-factor.json (0600, atomic writes, cross-process lock). */
@Injectable()
export class JsonTwoFactorRepository extends TwoFactorRepository {
  private readonly file: JsonFile<TwoFactorFile>;

  constructor(store: JsonStore) {
    super();
    this.file = store.file<TwoFactorFile>(TWO_FACTOR_FILE, {
      empty: () => ({ users: {} }),
      validate: assertObjectWithMap('users'),
    });
  }

  async find(userId: string): Promise<TwoFactorState | undefined> {
    const record = (await this.file.read()).users[userId];
    return record && toState(userId, record);
  }

  async enrolledUserIds(): Promise<Set<string>> {
    const { users } = await this.file.read();
    return new Set(Object.keys(users).filter((id) => users[id].enrolment));
  }

  savePending(userId: string, sealedSecret: string, createdAt: string): Promise<boolean> {
    return this.change(userId, (record) => {
      if (record.enrolment) return false;
      record.pending = { sealed_secret: sealedSecret, created_at: createdAt };
      return true;
    });
  }

  enable(userId: string, enrolment: NewEnrolment): Promise<boolean> {
    return this.change(userId, (record) => {
      if (record.enrolment || record.pending?.sealed_secret !== enrolment.sealedSecret) return false;
      record.pending = null;
      record.enrolment = {
        sealed_secret: enrolment.sealedSecret,
        enabled_at: enrolment.enabledAt,
        last_used_step: enrolment.usedStep,
        recovery_code_hashes: [...enrolment.recoveryCodeHashes],
      };
      return true;
    });
  }

  useTimeStep(userId: string, step: number): Promise<boolean> {
    return this.change(userId, (record) => {
      if (!record.enrolment || step <= record.enrolment.last_used_step) return false;
      record.enrolment.last_used_step = step;
      return true;
    });
  }

  useRecoveryCode(userId: string, codeHash: string): Promise<boolean> {
    return this.change(userId, (record) => {
      const hashes = record.enrolment?.recovery_code_hashes;
      const index = hashes ? hashes.indexOf(codeHash) : -1;
      if (!hashes || index < 0) return false;
      hashes.splice(index, 1);
      return true;
    });
  }

  remove(userId: string): Promise<boolean> {
    return this.file.update((data) => {
      const record = data.users[userId];
      if (!record) return false;
      delete data.users[userId];
      return !!record.enrolment;
    });
  }

  /** One atomic read-modify-write of one user's record; a record left empty is not kept. */
  private change(userId: string, apply: (record: TwoFactorRecord) => boolean): Promise<boolean> {
    return this.file.update((data) => {
      const record: TwoFactorRecord = data.users[userId] ?? {};
      const changed = apply(record);
      if (changed) data.users[userId] = record;
      return changed;
    });
  }
}
