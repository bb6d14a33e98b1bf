import { Invite, NewInviteData } from './invite.model';

/**
 * Invite codes in the store (the DI token). Codes are compared exactly (they are random; case
 * matters). `now` decides expiry, so every status is computed against the caller's clock. Each change
 * is one atomic step that checks its rule inside it.
 */
export abstract class InvitesRepository {
  /** In creation order. */
  abstract list(now: Date): Promise<Invite[]>;
  abstract findByCode(code: string, now: Date): Promise<Invite | undefined>;
  /** Throws InviteCodeTakenError when the code exists. */
  abstract createInvite(input: NewInviteData): Promise<Invite>;
  /**
   * Takes one use for `username` if the code is active at `now` (not revoked, expired or used up);
   * throws InviteNotValidError otherwise, changing nothing.
   */
  abstract redeemInvite(code: string, username: string, now: Date): Promise<Invite>;
  /** Gives back the use `username` took (an account could not be created after all); unknown codes are ignored. */
  abstract releaseInvite(code: string, username: string): Promise<void>;
  /** Marks the code revoked (once; a second revoke keeps the first time). Throws InviteNotFoundError. */
  abstract revokeInvite(code: string, revokedBy: string | null, now: Date): Promise<Invite>;
}
