import { Inject, Injectable } from '@nestjs/common';
import { AuditEntry } from '../../audit/audit-event';
import { DomainError } from '../../common/errors/domain-error';
import { InviteRecord, maxUsesOf, usesOf } from '../../invites/persistence/json/invite.record';
import { UserRecord, userIdOf } from '../../users/persistence/json/user.record';
import { Database } from '../postgres/database';
import { withoutNul } from '../postgres/pg-text';
import { FilesSiteReader, SourceFileError } from './files-site.reader';
import { IMPORT_STEPS, ImportReport, ImportStep } from './import-steps';

/** The database already holds a site: import-files only fills an empty one (exit 1, nothing changed). */
export class DatabaseNotEmptyError extends DomainError {
  constructor(tables: string[]) {
    super(
      'conflict',
      `The database is not empty (rows in ${tables.join(', ')}): import-files only copies into an empty ` +
        'database. Nothing was changed.',
    );
  }
}

/** The source folder cannot be copied (a corrupt file, not a DATA_DIR): nothing was changed. */
export class ImportSourceError extends DomainError {
  constructor(reason: string) {
    super('invalid_input', `Cannot import: ${reason}. Nothing was changed.`);
  }
}

/**
 * Tables that hold no site content: migrations, instance settings (a generated session secret, the
 * setup token's hash) and short-lived throttle counters. A database whose other tables are all
 * empty counts as empty (the server may have started on it once, which migrates and keeps settings).
 */
const NOT_CONTENT = new Set(['schema_migrations', 'instance_settings', 'throttle_counters']);

const USER_KEYS = new Set([
  'id',
  'username',
  'password_hash',
  'role',
  'created_at',
  'disabled',
  'invited_by',
  'invite_code',
  'last_login_at',
  'session_version',
  'daily_drafts',
]);
const INVITE_KEYS = new Set([
  'code',
  'note',
  'used', // derived from uses/max_uses (the prototype's flag): not kept
  'role',
  'created_at',
  'created_by',
  'max_uses',
  'uses',
  'expires_at',
  'revoked_at',
  'revoked_by',
  'used_by',
  'last_used_at',
]);

/** A failure inside the transaction, with the record it was about. */
function about(what: string, error: unknown): Error {
  if (error instanceof DomainError || error instanceof SourceFileError) return error;
  return new ImportSourceError(`${what}: ${error instanceof Error ? error.message : String(error)}`);
}

/**
 * `npm run cli -- import-files --from <DATA_DIR>` (SPEC §9): copies a files-mode site into an empty
 * PostgreSQL database in ONE transaction — users (password hashes, ids, session versions), invites
 * (uses, used_by), the audit log, then the steps in IMPORT_STEPS (jobs with their drafts and manifests,
 * the usage ledger, two-factor enrolments, API tokens' digests), which write through the postgres
 * repositories themselves. Ids, hashes and timestamps are kept. Sessions, throttle counters and reset links are not copied
 * (docs/DECISIONS.md "Moving up from files").
 */
@Injectable()
export class FilesImport {
  constructor(
    private readonly db: Database,
    @Inject(IMPORT_STEPS) private readonly steps: ImportStep[],
  ) {}

  async run(from: string): Promise<ImportReport> {
    const source = new FilesSiteReader(from);
    try {
      source.assertDataDir();
    } catch (error) {
      throw new ImportSourceError((error as Error).message);
    }
    const report: ImportReport = { counts: [], notes: [] };
    await this.db.transaction(
      async () => {
        await this.db.advisoryXactLock('import-files');
        await this.assertEmpty();
        try {
          const users = source.users().users;
          await this.importUsers(users);
          report.counts.push({ kind: 'users', count: users.length });
          const invites = source.invites().codes;
          const uses = await this.importInvites(invites);
          report.counts.push({ kind: 'invites', count: invites.length, detail: `${uses} use(s)` });
          const audit = source.audit();
          await this.importAudit(audit.entries);
          report.counts.push({
            kind: 'audit entries',
            count: audit.entries.length,
            detail: audit.skipped ? `${audit.skipped} unreadable line(s) skipped` : undefined,
          });
          for (const step of this.steps) await step.run(source, report);
        } catch (error) {
          if (error instanceof SourceFileError) throw new ImportSourceError(error.message);
          throw error;
        }
      },
      { maxAttempts: 1 },
    );
    return report;
  }

  /** Under the transaction: no other writer may add content until COMMIT (EXCLUSIVE lets reads through). */
  private async assertEmpty(): Promise<void> {
    const { rows } = await this.db.query<{ name: string }>(
      `SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`,
    );
    const tables = rows.map((row) => row.name).filter((name) => !NOT_CONTENT.has(name));
    if (tables.length === 0) return;
    await this.db.query(`LOCK TABLE ${tables.join(', ')} IN EXCLUSIVE MODE`);
    const probe = tables
      .map((name) => `SELECT '${name}' AS name WHERE EXISTS (SELECT 1 FROM ${name})`)
      .join(' UNION ALL ');
    const filled = await this.db.query<{ name: string }>(probe);
    if (filled.rows.length > 0) throw new DatabaseNotEmptyError(filled.rows.map((row) => row.name));
  }

  /** In file order, so `seq` (creation order) follows the file; prototype users keep their derived ids. */
  private async importUsers(users: UserRecord[]): Promise<void> {
    for (const record of users) {
      const what = `users.json, user "${String(record.username)}"`;
      if (typeof record.username !== 'string' || typeof record.password_hash !== 'string') {
        throw new ImportSourceError(`${what}: needs a username and a password_hash`);
      }
      const extra = Object.fromEntries(Object.entries(record).filter(([key]) => !USER_KEYS.has(key)));
      await this.db
        .query(
          `INSERT INTO users (id, username, password_hash, role, created_at, disabled, invited_by, invite_code,
                              last_login_at, session_version, daily_drafts, extra)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
          withoutNul([
            userIdOf(record),
            record.username,
            record.password_hash,
            record.role === 'admin' ? 'admin' : 'user',
            record.created_at ?? null,
            record.disabled === true,
            record.invited_by ?? null,
            record.invite_code ?? null,
            record.last_login_at ?? null,
            typeof record.session_version === 'number' ? record.session_version : 0,
            typeof record.daily_drafts === 'number' ? record.daily_drafts : null,
            JSON.stringify(extra),
          ]),
        )
        .catch((error: unknown) => {
          throw about(what, error);
        });
    }
  }

  /** Returns the uses copied. Prototype rows (`used` only) get the app's reading: max 1, uses 0 or 1. */
  private async importInvites(codes: InviteRecord[]): Promise<number> {
    let total = 0;
    for (const record of codes) {
      const what = `invites.json, code "${String(record.code)}"`;
      if (typeof record.code !== 'string') throw new ImportSourceError(`${what}: needs a code`);
      const maxUses = maxUsesOf(record);
      const uses = Math.min(usesOf(record), maxUses);
      total += uses;
      const extra = Object.fromEntries(Object.entries(record).filter(([key]) => !INVITE_KEYS.has(key)));
      await this.db
        .query(
          `INSERT INTO invites (code, note, role, created_at, created_by, max_uses, uses, used_by, expires_at,
                                revoked_at, revoked_by, last_used_at, extra)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
          withoutNul([
            record.code,
            record.note ?? '',
            record.role === 'admin' ? 'admin' : 'user',
            record.created_at ?? null,
            record.created_by ?? null,
            maxUses,
            uses,
            Array.isArray(record.used_by) ? record.used_by.map(String) : [],
            record.expires_at ?? null,
            record.revoked_at ?? null,
            record.revoked_by ?? null,
            record.last_used_at ?? null,
            JSON.stringify(extra),
          ]),
        )
        .catch((error: unknown) => {
          throw about(what, error);
        });
    }
    return total;
  }

  /** In file order (the identity `id` is the log's order), in batches of one multi-row INSERT. */
  private async importAudit(entries: AuditEntry[]): Promise<void> {
    const BATCH = 500;
    for (let start = 0; start < entries.length; start += BATCH) {
      const batch = entries.slice(start, start + BATCH);
      const params: unknown[] = [];
      const values = batch.map((entry) => {
        const { at, event, actor, ip, ...fields } = withoutNul(entry);
        params.push(at, event, typeof actor === 'string' ? actor : null, typeof ip === 'string' ? ip : null);
        params.push(JSON.stringify(fields));
        const n = params.length;
        return `($${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}, $${n})`;
      });
      await this.db
        .query(`INSERT INTO audit_log (at, event, actor, ip, fields) VALUES ${values.join(', ')}`, params)
        .catch((error: unknown) => {
          throw about(`audit.jsonl, entries ${start + 1}-${start + batch.length}`, error);
        });
    }
  }
}
