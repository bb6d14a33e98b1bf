import { TwoFactorState } from '../../two-factor.model';

/** DATA_DIR/two-factor.json: `{"users": {"<user id>": TwoFactorRecord}}`, snake_case like the other files. */
export interface TwoFactorFile {
  users: Record<string, TwoFactorRecord>;
  [extra: string]: unknown;
}

export interface TwoFactorRecord {
  pending?: { sealed_secret: string; created_at: string } | null;
  enrolment?: {
    sealed_secret: string;
    enabled_at: string;
    last_used_step: number;
    recovery_code_hashes: string[];
  } | null;
  [extra: string]: unknown;
}

export function toState(userId: string, record: TwoFactorRecord): TwoFactorState {
  return {
    userId,
    pending: record.pending
      ? { sealedSecret: record.pending.sealed_secret, createdAt: record.pending.created_at }
      : null,
    enrolment: record.enrolment
      ? {
          sealedSecret: record.enrolment.sealed_secret,
          enabledAt: record.enrolment.enabled_at,
          lastUsedStep: record.enrolment.last_used_step,
          recoveryCodeHashes: [...record.enrolment.recovery_code_hashes],
        }
      : null,
  };
}
