import type { Migration } from './index';

/** One-time reset links (ResetTokensRepository): see src/auth/reset/persistence/postgres/. */
export const PASSWORD_RESET_TOKENS_MIGRATION: Migration = {
  version: 5,
  name: 'password_reset_tokens',
  // No foreign key to users: a token names its user by id and username, like the file, and dies
  // with its expiry (the contract stores tokens for users that are not in any table).
  up: `
    CREATE TABLE password_reset_tokens (
      token_sha256 text PRIMARY KEY,
      user_id      text NOT NULL,
      username     text NOT NULL,
      created_at   timestamptz NOT NULL,
      created_by   text,
      expires_at   timestamptz NOT NULL,
      -- one live token per user: a new one replaces it (INSERT ... ON CONFLICT (user_id))
      CONSTRAINT password_reset_tokens_one_per_user UNIQUE (user_id)
    );
    CREATE INDEX password_reset_tokens_expires ON password_reset_tokens (expires_at);
  `,
};
