import type { Migration } from './index';

/** Personal API tokens (ApiTokensRepository): see src/api-tokens/persistence/postgres/. */
export const API_TOKENS_MIGRATION: Migration = {
  version: 13,
  name: 'api_tokens',
  // Only the token's SHA-256 is stored; a bearer request is one lookup on its UNIQUE index. No foreign
  // key to users, like password_reset_tokens: the service removes a user's tokens when it must.
  up: `
    CREATE TABLE api_tokens (
      id           text PRIMARY KEY,
      token_sha256 text NOT NULL UNIQUE,
      user_id      text NOT NULL,
      name         text NOT NULL CHECK (name <> ''),
      created_at   timestamptz NOT NULL,
      expires_at   timestamptz NOT NULL,
      last_used_at timestamptz
    );
    CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at);
  `,
};
