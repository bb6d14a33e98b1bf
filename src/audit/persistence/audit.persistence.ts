import type { RepositoryBinding } from '../../persistence/persistence.module';
import { AuditLog } from '../audit-log';
import { JsonlAuditLog } from './json/jsonl-audit-log';
import { MemoryAuditLog } from './memory/memory-audit-log';
import { PgAuditLog } from './postgres/pg-audit-log';

export const AUDIT_PERSISTENCE: RepositoryBinding[] = [
  { provide: AuditLog, json: JsonlAuditLog, memory: MemoryAuditLog, postgres: PgAuditLog },
];
