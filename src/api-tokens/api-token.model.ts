/**
 * A personal API token (SPEC §5.2) as stored: never the token itself, only its SHA-256 (hex), looked
 * up by that digest. `id` is public (it names the token in URLs, lists and the audit log).
 */
export interface ApiToken {
  id: string;
  userId: string;
  name: string;
  tokenSha256: string;
  createdAt: string;
  expiresAt: string;
  /** Updated at most once a minute (API_TOKEN_LAST_USED_EVERY_MS), not on every request. */
  lastUsedAt: string | null;
}

/** How often last_used is written per token, at most (SPEC §5.2: "updated at most once a minute"). */
export const API_TOKEN_LAST_USED_EVERY_MS = 60_000;
