import type { Migration } from './index';

/**
 * The usage ledger (UsageLedgerRepository): drafts reserved and tokens spent per user and UTC day.
 * `usage_days` rows are the quota's counters (reserveDrafts checks and adds in one statement under
 * the row's lock); `usage_users` keeps the readable name; `usage_ledger_state` records that the
 * ledger was written once (a rebuild to an empty ledger is still a ledger).
 */
export const USAGE_LEDGER_MIGRATION: Migration = {
  version: 11,
  name: 'usage_ledger',
  up: `
    CREATE TABLE usage_users (
      user_id  text PRIMARY KEY,
      username text NOT NULL
    );
    CREATE TABLE usage_days (
      user_id           text NOT NULL,
      day               date NOT NULL,
      jobs              integer NOT NULL DEFAULT 0 CHECK (jobs >= 0),
      drafts            integer NOT NULL DEFAULT 0 CHECK (drafts >= 0),
      prompt_tokens     bigint NOT NULL DEFAULT 0,
      completion_tokens bigint NOT NULL DEFAULT 0,
      PRIMARY KEY (user_id, day)
    );
    CREATE TABLE usage_ledger_state (
      id         boolean PRIMARY KEY DEFAULT true CHECK (id),
      written_at timestamptz NOT NULL DEFAULT now()
    );
  `,
};
