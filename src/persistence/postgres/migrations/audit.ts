import type { Migration } from './index';

/** The append-only audit log (AuditLog): see src/audit/persistence/postgres/pg-audit-log.ts. */
export const AUDIT_MIGRATION: Migration = {
  version: 4,
  name: 'audit_log',
  up: `
    CREATE TABLE audit_log (
      id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      at     timestamptz NOT NULL,
      event  text NOT NULL,
      actor  text,
      ip     text,
      -- every other key of the entry (target, reason, ...)
      fields jsonb NOT NULL DEFAULT '{}'::jsonb
    );
    CREATE INDEX audit_log_at ON audit_log (at);
    CREATE INDEX audit_log_event_at ON audit_log (event, at);
  `,
};
