import { API_TOKENS_MIGRATION } from './api-tokens';
import { AUDIT_MIGRATION } from './audit';
import { INVITES_MIGRATION } from './invites';
import { PASSWORD_RESET_TOKENS_MIGRATION } from './password-reset-tokens';
import { THROTTLE_COUNTERS_MIGRATION } from './throttle-counters';
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
  // 7–12 are assigned to other wave-3 branches (sessions/2FA, generation): they go above this line.
  API_TOKENS_MIGRATION,
];
