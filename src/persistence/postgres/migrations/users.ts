import type { Migration } from './index';

/** Accounts (UsersRepository): see src/users/persistence/postgres/pg-users.repository.ts. */
export const USERS_MIGRATION: Migration = {
  version: 2,
  name: 'users',
  up: `
    CREATE TABLE users (
      id              text PRIMARY KEY,
      -- creation order (list()): created_at can tie and can be missing on imported rows
      seq             bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
      username        text NOT NULL CHECK (username <> ''),
      password_hash   text NOT NULL,
      role            text NOT NULL CHECK (role IN ('admin', 'user')),
      created_at      timestamptz,
      disabled        boolean NOT NULL DEFAULT false,
      invited_by      text,
      invite_code     text,
      last_login_at   timestamptz,
      session_version integer NOT NULL DEFAULT 0 CHECK (session_version >= 0),
      daily_drafts    integer CHECK (daily_drafts >= 0),
      -- keys of an imported users.json row this version does not know (kept, never read)
      extra           jsonb NOT NULL DEFAULT '{}'::jsonb
    );
    CREATE UNIQUE INDEX users_username_lower ON users (lower(username));
    CREATE INDEX users_admins ON users (id) WHERE role = 'admin';
  `,
};
