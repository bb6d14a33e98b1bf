import { createHash, randomBytes } from 'node:crypto';

/** Every token starts with this, so secret scanners (and people) can tell a leaked one (SPEC §5.2). */
export const API_TOKEN_PREFIX = 'gat_';
/** Base62 characters after the prefix: 32 × log2(62) ≈ 190.5 random bits (SPEC: at least 160). */
export const API_TOKEN_RANDOM_CHARS = 32;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Longest Authorization value hashed at all: anything longer is refused unread. */
export const API_TOKEN_MAX_LENGTH = 200;

/** A new token: `gat_` + 32 uniformly random base62 characters (rejection sampling, no modulo bias). */
export function newApiTokenSecret(): string {
  let out = '';
  while (out.length < API_TOKEN_RANDOM_CHARS) {
    for (const byte of randomBytes(48)) {
      // 248 = 4 × 62: bytes above it would favour the first characters.
      if (byte < 248 && out.length < API_TOKEN_RANDOM_CHARS) out += BASE62[byte % 62];
    }
  }
  return API_TOKEN_PREFIX + out;
}

/** What the store keeps and looks tokens up by: the SHA-256 of the whole token, hex. */
export function apiTokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The shape of a token this app issues; anything else cannot be one and is not looked up. */
export function looksLikeApiToken(value: string): boolean {
  return /^gat_[0-9A-Za-z]{32}$/.test(value);
}
