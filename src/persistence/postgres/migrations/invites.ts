import type { Migration } from './index';

/** Invite codes (InvitesRepository): see src/invites/persistence/postgres/pg-invites.repository.ts. */
export const INVITES_MIGRATION: Migration = {
  version: 3,
  name: 'invites',
  up: `
    CREATE TABLE invites (
      code         text PRIMARY KEY CHECK (code <> ''),
      seq          bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
      note         text NOT NULL DEFAULT '',
      role         text NOT NULL DEFAULT 'user' CHECK (role IN ('admin', 'user')),
      created_at   timestamptz,
      created_by   text,
      max_uses     integer NOT NULL DEFAULT 1 CHECK (max_uses >= 1),
      uses         integer NOT NULL DEFAULT 0,
      used_by      text[] NOT NULL DEFAULT '{}',
      expires_at   timestamptz,
      revoked_at   timestamptz,
      revoked_by   text,
      last_used_at timestamptz,
      extra        jsonb NOT NULL DEFAULT '{}'::jsonb,
      CONSTRAINT invites_uses_range CHECK (uses >= 0 AND uses <= max_uses)
    );
  `,
};
