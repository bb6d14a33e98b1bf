import { Injectable } from '@nestjs/common';
import { Database } from '../../../persistence/postgres/database';
import { withoutNul } from '../../../persistence/postgres/pg-text';
import { AuditEntry, AuditEventName } from '../../audit-event';
import { AuditLog } from '../../audit-log';

interface AuditRow {
  at: Date;
  event: string;
  actor: string | null;
  ip: string | null;
  fields: Record<string, unknown>;
}

/**
 * The audit log in the `audit_log` table: `at`, `event`, `actor` and `ip` are columns (indexed by
 * time and by event), every other key of the entry is in `fields` (jsonb). Each append is one INSERT,
 * so entries are whole and ordered by their identity `id`; `recent` reads the newest by that id.
 */
@Injectable()
export class PgAuditLog extends AuditLog {
  constructor(private readonly db: Database) {
    super();
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    // A visitor-typed value holding U+0000 must not cost the entry (PostgreSQL text cannot hold it).
    const { at, event, actor, ip, ...fields } = withoutNul(entry);
    await this.db.query('INSERT INTO audit_log (at, event, actor, ip, fields) VALUES ($1, $2, $3, $4, $5)', [
      at,
      event,
      actor ?? null,
      ip ?? null,
      JSON.stringify(fields),
    ]);
  }

  async recent(limit: number): Promise<AuditEntry[]> {
    const { rows } = await this.db.query<AuditRow>(
      'SELECT at, event, actor, ip, fields FROM audit_log ORDER BY id DESC LIMIT $1',
      [Math.max(0, Math.floor(limit))],
    );
    return rows.map((row) => ({
      ...row.fields,
      at: row.at.toISOString(),
      event: row.event as AuditEventName,
      actor: row.actor,
      ip: row.ip,
    }));
  }
}
