import { AUDIT_MIGRATION } from './audit';
import { INVITES_MIGRATION } from './invites';
import { JOB_FILES_MIGRATION } from './job-files';
import { JOBS_MIGRATION } from './jobs';
import { PASSWORD_RESET_TOKENS_MIGRATION } from './password-reset-tokens';
import { SESSIONS_MIGRATION } from './sessions';
import { THROTTLE_COUNTERS_MIGRATION } from './throttle-counters';
import { TWO_FACTOR_MIGRATION } from './two-factor';
import { USAGE_LEDGER_MIGRATION } from './usage-ledger';
import { USERS_MIGRATION } from './users';

/**
 * The schema, as an ordered list of migrations applied once each at start (see README.md here).
 * Never edit or reorder an entry that has shipped: add a new one with the next version.
 */
export interface Migration {
  /** Positive integer, strictly increasing down the list. */
  version: number;
  /** Short snake_case description, recorded in schema_migrations. */
  name: string;
  /** SQL run in one transaction (several statements allowed; no CREATE INDEX CONCURRENTLY). */
  up: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'instance_settings',
    // Values shared by every host: the generated session secret, the setup-token hash.
    up: `
      CREATE TABLE instance_settings (
        key        text PRIMARY KEY,
        value      text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  USERS_MIGRATION,
  INVITES_MIGRATION,
  AUDIT_MIGRATION,
  PASSWORD_RESET_TOKENS_MIGRATION,
  THROTTLE_COUNTERS_MIGRATION,
  SESSIONS_MIGRATION,
  TWO_FACTOR_MIGRATION,
  JOBS_MIGRATION,
  JOB_FILES_MIGRATION,
  USAGE_LEDGER_MIGRATION,
];
