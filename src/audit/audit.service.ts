import { Injectable, Logger } from '@nestjs/common';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Clock } from '../common/clock/clock';
import { AppConfig } from '../config/app-config';
import { PRIVATE_FILE_MODE } from '../persistence/json/private-files';
import { AuditContext, AuditEntry, AuditEventName } from './audit-event';

export const AUDIT_FILE = 'audit.jsonl';

/** Keys whose values never reach the audit file, whatever a caller passes. */
const SECRET_KEY = /pass|hash|token|secret|key|cookie|sid/i;
/**
 * Longest text value written (characters). Some values are typed by whoever is at the door (a login's
 * username, up to 200 characters; the IP when TRUST_PROXY believes any X-Forwarded-For), and the log
 * must not carry an attacker's payloads at full length.
 */
export const AUDIT_VALUE_MAX = 64;
const TAIL_BYTES = 256 * 1024;

/**
 * Append-only audit log. Each event is one write with O_APPEND, which the kernel keeps whole even
 * when several processes append at once.
 */
@Injectable()
export class AuditService {
  private readonly logger = new Logger('Audit');
  private readonly filePath: string;

  constructor(
    config: AppConfig,
    private readonly clock: Clock,
  ) {
    this.filePath = path.join(config.dataDir, AUDIT_FILE);
  }

  async record(event: AuditEventName, context: AuditContext = {}): Promise<void> {
    const { actor = null, ip = null, ...details } = context;
    const entry: AuditEntry = {
      at: this.clock.now().toISOString(),
      event,
      actor: clip(actor),
      ip: clip(ip),
      ...scrub(details),
    };
    try {
      await fs.promises.appendFile(this.filePath, `${JSON.stringify(entry)}\n`, { flag: 'a', mode: PRIVATE_FILE_MODE });
    } catch (error) {
      this.logger.error(`Could not write audit event ${event}: ${(error as Error).message}`);
    }
  }

  /** Newest first; reads only the end of the file. */
  async recent(limit = 50): Promise<AuditEntry[]> {
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

function scrub(details: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(details)
      .filter(([key]) => !SECRET_KEY.test(key))
      .map(([key, value]) => [key, clip(value)]),
  );
}

/** Cuts a long text value to AUDIT_VALUE_MAX characters, marked with a trailing `…`. */
function clip<T>(value: T): T | string {
  if (typeof value !== 'string' || value.length <= AUDIT_VALUE_MAX) return value;
  const chars = Array.from(value); // whole code points: never half a surrogate pair
  return chars.length <= AUDIT_VALUE_MAX ? value : `${chars.slice(0, AUDIT_VALUE_MAX - 1).join('')}…`;
}
