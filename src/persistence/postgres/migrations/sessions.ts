import type { Migration } from './index';

/** Server-side sessions (SessionsRepository): see src/auth/session/persistence/postgres/. */
export const SESSIONS_MIGRATION: Migration = {
  version: 7,
  name: 'sessions',
  // Keyed by the SHA-256 of the session id, like the files' names: a dump of the table holds no live
  // session id. `data` is express-session's JSON as text (jsonb cannot hold U+0000 and reorders keys).
  // Expiry in epoch ms, as StoredSession holds it, indexed for the sweep.
  up: `
    CREATE TABLE sessions (
      sid_sha256    text PRIMARY KEY,
      data          text NOT NULL,
      expires_at_ms bigint NOT NULL
    );
    CREATE INDEX sessions_expires ON sessions (expires_at_ms);
  `,
};
