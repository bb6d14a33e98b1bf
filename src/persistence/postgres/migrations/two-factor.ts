import type { Migration } from './index';

/** Two-factor login state per user (TwoFactorRepository): see src/auth/two-factor/persistence/postgres/. */
export const TWO_FACTOR_MIGRATION: Migration = {
  version: 8,
  name: 'two_factor',
  // One row per user who started a setup. Pending and enrolled halves are nullable column groups (both
  // set or both null, checked). No foreign key to users: like two-factor.json, the row names its user
  // by id. Replay and one-use rules are single conditional UPDATEs (see the repository).
  up: `
    CREATE TABLE two_factor (
      user_id               text PRIMARY KEY,
      pending_sealed_secret text,
      pending_created_at    timestamptz,
      sealed_secret         text,
      enabled_at            timestamptz,
      last_used_step        bigint,
      recovery_code_hashes  text[],
      CONSTRAINT two_factor_pending_whole CHECK ((pending_sealed_secret IS NULL) = (pending_created_at IS NULL)),
      CONSTRAINT two_factor_enrolment_whole CHECK (
        (sealed_secret IS NULL AND enabled_at IS NULL AND last_used_step IS NULL AND recovery_code_hashes IS NULL)
        OR (sealed_secret IS NOT NULL AND enabled_at IS NOT NULL AND last_used_step IS NOT NULL
            AND recovery_code_hashes IS NOT NULL)
      )
    );
  `,
};
