import { createHash, randomBytes } from 'node:crypto';
import { base32Encode } from './base32';

/** How many one-time recovery codes an enrolment gets (SPEC §5.1). */
export const RECOVERY_CODE_COUNT = 10;
/** 80 random bits each, shown as four groups of four base32 characters: `abcd-efgh-ijkl-mnop`. */
const RECOVERY_CODE_BYTES = 10;

/** New recovery codes, as shown to the user once. Only their hashes are stored. */
export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () =>
    base32Encode(randomBytes(RECOVERY_CODE_BYTES)).toLowerCase().match(/.{4}/g)!.join('-'),
  );
}

/** Case, spaces and dashes do not matter when a code is typed back. */
export function normaliseRecoveryCode(input: string): string {
  return input.replace(/[\s-]/g, '').toLowerCase();
}

/** Looks like a recovery code (16 base32 characters once normalised), not a TOTP code. */
export function isRecoveryCodeShape(input: string): boolean {
  return /^[a-z2-7]{16}$/.test(normaliseRecoveryCode(input));
}

/**
 * SHA-256 of the normalised code. Enough for 80 random bits (like API tokens, SPEC §5.2): there is no
 * dictionary to try, and a slow hash would only slow down every login that uses one.
 */
export function hashRecoveryCode(code: string): string {
  return createHash('sha256').update(normaliseRecoveryCode(code)).digest('hex');
}
