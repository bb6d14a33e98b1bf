/**
 * A user's two-factor login state (SPEC §5.1). Secrets are held sealed (see SecretBox): the repository
 * stores and compares opaque strings and never sees a TOTP secret or a recovery code in the clear.
 */
export interface TwoFactorState {
  userId: string;
  /** Started at /account/2fa/setup, not yet confirmed with a code. */
  pending: PendingTwoFactor | null;
  /** On: the login asks for a code. */
  enrolment: TwoFactorEnrolment | null;
}

export interface PendingTwoFactor {
  sealedSecret: string;
  createdAt: string;
}

export interface TwoFactorEnrolment {
  sealedSecret: string;
  enabledAt: string;
  /** The newest TOTP time step accepted: a code of this step or an older one is refused (replay). */
  lastUsedStep: number;
  /** SHA-256 hashes of the recovery codes not used yet. */
  recoveryCodeHashes: string[];
}

export interface NewEnrolment {
  /** Must be the pending secret the code was checked against (a newer setup makes this one stale). */
  sealedSecret: string;
  enabledAt: string;
  usedStep: number;
  recoveryCodeHashes: string[];
}
