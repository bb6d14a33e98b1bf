import { Injectable } from '@nestjs/common';
import { AuditEntry } from '../../audit-event';
import { AuditLog } from '../../audit-log';

/** The audit log in memory, for service tests; passes the same contract test as the file. */
@Injectable()
export class MemoryAuditLog extends AuditLog {
  private readonly entries: AuditEntry[] = [];

  async appendAudit(entry: AuditEntry): Promise<void> {
    this.entries.push(structuredClone(entry));
  }

  async recent(limit: number): Promise<AuditEntry[]> {
    return this.entries
      .slice(-limit)
      .reverse()
      .map((entry) => structuredClone(entry));
  }
}
