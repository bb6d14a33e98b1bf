import type { Migration } from './index';

/** Fixed-window throttle counters (ThrottleRepository): see src/auth/throttling/persistence/postgres/. */
export const THROTTLE_COUNTERS_MIGRATION: Migration = {
  version: 6,
  name: 'throttle_counters',
  // Times are epoch milliseconds, exactly as the domain's ThrottleCounter holds them (no rounding
  // through timestamptz); expires_at_ms is indexed for the sweep of expired counters.
  up: `
    CREATE TABLE throttle_counters (
      key             text PRIMARY KEY,
      count           integer NOT NULL CHECK (count >= 0),
      window_start_ms bigint NOT NULL,
      locked_until_ms bigint,
      lock_noticed    boolean,
      expires_at_ms   bigint NOT NULL
    );
    CREATE INDEX throttle_counters_expires ON throttle_counters (expires_at_ms);
  `,
};
