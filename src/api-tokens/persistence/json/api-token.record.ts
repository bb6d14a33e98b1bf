import type { ApiToken } from '../../api-token.model';

/** api-tokens.json rows (snake_case like the other data files). Only the token's SHA-256 is kept. */
export interface ApiTokenRecord {
  id: string;
  user_id: string;
  name: string;
  token_sha256: string;
  created_at: string;
  expires_at: string;
  last_used_at: string | null;
}

export interface ApiTokensFile {
  tokens: ApiTokenRecord[];
}

export function toApiToken(record: ApiTokenRecord): ApiToken {
  return {
    id: record.id,
    userId: record.user_id,
    name: record.name,
    tokenSha256: record.token_sha256,
    createdAt: record.created_at,
    expiresAt: record.expires_at,
    lastUsedAt: record.last_used_at ?? null,
  };
}

export function toApiTokenRecord(token: ApiToken): ApiTokenRecord {
  return {
    id: token.id,
    user_id: token.userId,
    name: token.name,
    token_sha256: token.tokenSha256,
    created_at: token.createdAt,
    expires_at: token.expiresAt,
    last_used_at: token.lastUsedAt,
  };
}
