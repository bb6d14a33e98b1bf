import { AuditEntry } from './audit-event';

/** The append-only audit log in the store (the DI token). Entries arrive already scrubbed and clipped. */
export abstract class AuditLog {
  /** Appends one entry; several processes may append at once, and no entry is ever cut or mixed. */
  abstract appendAudit(entry: AuditEntry): Promise<void>;
  /** The newest `limit` entries, newest first (an implementation may look only at the recent end). */
  abstract recent(limit: number): Promise<AuditEntry[]>;
}
