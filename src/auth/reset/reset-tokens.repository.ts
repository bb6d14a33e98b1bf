/** A one-time password reset link, stored by the SHA-256 of its token (the token is shown once, never stored). */
export interface ResetToken {
  tokenSha256: string;
  userId: string;
  username: string;
  createdAt: string;
  createdBy: string | null;
  expiresAt: string;
}

/** Reset tokens in the store (the DI token). Each method is one atomic change. */
export abstract class ResetTokensRepository {
  /** Stores `token`; the user's earlier tokens and every token expired at `now` are dropped in the same change. */
  abstract replaceTokenForUser(token: ResetToken, now: Date): Promise<void>;
  /** The token with this digest if it has not expired at `now`. */
  abstract findValid(tokenSha256: string, now: Date): Promise<ResetToken | undefined>;
  /** Removes the token; true only for the one call that removed it (a link works once). */
  abstract claim(tokenSha256: string): Promise<boolean>;
}
