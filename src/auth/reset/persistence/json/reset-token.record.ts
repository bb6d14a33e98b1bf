import { ResetToken } from '../../reset-tokens.repository';

/** password-resets.json rows. */
export interface ResetRecord {
  token_sha256: string;
  user_id: string;
  username: string;
  created_at: string;
  created_by: string | null;
  expires_at: string;
}

export interface ResetsFile {
  resets: ResetRecord[];
}

export function toResetToken(record: ResetRecord): ResetToken {
  return {
    tokenSha256: record.token_sha256,
    userId: record.user_id,
    username: record.username,
    createdAt: record.created_at,
    createdBy: record.created_by,
    expiresAt: record.expires_at,
  };
}

export function toResetRecord(token: ResetToken): ResetRecord {
  return {
    token_sha256: token.tokenSha256,
    user_id: token.userId,
    username: token.username,
    created_at: token.createdAt,
    created_by: token.createdBy,
    expires_at: token.expiresAt,
  };
}
