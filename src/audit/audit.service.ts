import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { AuditContext, AuditEntry, AuditEventName } from './audit-event';
import { AuditLog } from './audit-log';

/** Keys whose values never reach the audit log, whatever a caller passes. */
const SECRET_KEY = /pass|hash|token|secret|key|cookie|sid/i;
/**
 * Longest text value written (characters). Some values are typed by whoever is at the door (a login's
 * username, up to 200 characters; the IP when TRUST_PROXY believes any X-Forwarded-For), and the log
 * must not carry an attacker's payloads at full length.
 */
export const AUDIT_VALUE_MAX = 64;

/** Builds security events (time, actor, ip, scrubbed details) and appends them to the AuditLog. */
@Injectable()
export class AuditService {
  private readonly logger = new Logger('Audit');

  constructor(
    private readonly log: AuditLog,
    private readonly clock: Clock,
  ) {}

  /** Never throws: a log that cannot be written is reported, and the action it records goes on. */
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
      await this.log.appendAudit(entry);
    } catch (error) {
      this.logger.error(`Could not write audit event ${event}: ${(error as Error).message}`);
    }
  }

  /** Newest first. */
  recent(limit = 50): Promise<AuditEntry[]> {
    return this.log.recent(limit);
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
