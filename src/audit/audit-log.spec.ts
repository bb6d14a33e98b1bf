import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AppConfig } from '../config/app-config';
import { JsonStore } from '../persistence/json/json-store.service';
import { describeAuditLogContract } from './audit-log.contract';
import { JsonlAuditLog } from './persistence/json/jsonl-audit-log';
import { MemoryAuditLog } from './persistence/memory/memory-audit-log';

describeAuditLogContract('jsonl', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-audit-'));
  return {
    repo: new JsonlAuditLog(new JsonStore({ dataDir: dir } as AppConfig)),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
});
describeAuditLogContract('memory', async () => ({ repo: new MemoryAuditLog() }));
