import { Injectable } from '@nestjs/common';
import * as fs from 'node:fs';
import { JsonStore } from '../../../persistence/json/json-store.service';
import { PRIVATE_FILE_MODE } from '../../../persistence/json/private-files';
import { AuditEntry } from '../../audit-event';
import { AuditLog } from '../../audit-log';

export const AUDIT_FILE = 'audit.jsonl';
const TAIL_BYTES = 256 * 1024;

/**
 * DATA_DIR/audit.jsonl, one JSON object per line. Each entry is one write with O_APPEND, which the
 * kernel keeps whole even when several processes append at once.
 */
@Injectable()
export class JsonlAuditLog extends AuditLog {
  private readonly filePath: string;

  constructor(store: JsonStore) {
    super();
    this.filePath = store.resolve(AUDIT_FILE);
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    await fs.promises.appendFile(this.filePath, `${JSON.stringify(entry)}\n`, { flag: 'a', mode: PRIVATE_FILE_MODE });
  }

  /** Reads only the end of the file; a line cut by the tail or not parseable is skipped. */
  async recent(limit: number): Promise<AuditEntry[]> {
    let handle: fs.promises.FileHandle | undefined;
    try {
      handle = await fs.promises.open(this.filePath, 'r');
      const { size } = await handle.stat();
      const start = Math.max(0, size - TAIL_BYTES);
      const buffer = Buffer.alloc(size - start);
      await handle.read(buffer, 0, buffer.length, start);
      const lines = buffer.toString('utf8').split('\n');
      if (start > 0) lines.shift(); // first line is probably cut
      return lines
        .filter((line) => line.trim())
        .map((line) => {
          try {
            return JSON.parse(line) as AuditEntry;
          } catch {
            return undefined;
          }
        })
        .filter((entry): entry is AuditEntry => !!entry)
        .slice(-limit)
        .reverse();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    } finally {
      await handle?.close();
    }
  }
}
