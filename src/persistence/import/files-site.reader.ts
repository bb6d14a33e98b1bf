import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ApiTokensFile } from '../../api-tokens/persistence/json/api-token.record';
import { API_TOKENS_FILE } from '../../api-tokens/persistence/json/json-api-tokens.repository';
import { SESSION_SECRET_FILE } from '../../auth/secrets/persistence/json/file-instance-secrets';
import type { TwoFactorFile } from '../../auth/two-factor/persistence/json/two-factor.record';
import type { Manifest } from '../../generation/artifacts/manifest';
import { isJobId } from '../../generation/jobs/job';
import type { JobRecord } from '../../generation/persistence/json/job.record';
import type { UsageFile } from '../../generation/persistence/json/usage.record';
import type { InvitesFile } from '../../invites/persistence/json/invite.record';
import type { UsersFile } from '../../users/persistence/json/user.record';
import type { AuditEntry } from '../../audit/audit-event';
import { assertObjectWithArray, assertObjectWithMap } from '../json/shapes';

/** A file of the source folder that cannot be copied: the import stops (and rolls back) naming it. */
export class SourceFileError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'SourceFileError';
  }
}

/** One job folder: job.json, its manifest (once finished) and every file under artifacts/. */
export interface SourceJob {
  record: JobRecord;
  manifest: Manifest | undefined;
  artifacts: { name: string; content: string }[];
}

const ARTIFACT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Reads a files-mode DATA_DIR (SPEC §7) for `import-files`, read-only: it takes no lock, creates
 * nothing and changes no mode (stop the files-mode site first). Shapes are checked as the files
 * store checks them at start; a missing file is an empty one, as in the app.
 */
export class FilesSiteReader {
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** Throws when the folder does not exist or holds none of a DATA_DIR's files. */
  assertDataDir(): void {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(this.root);
    } catch {
      throw new SourceFileError(this.root, 'no such folder');
    }
    if (!stat.isDirectory()) throw new SourceFileError(this.root, 'not a folder');
    const known = ['users.json', 'invites.json', 'audit.jsonl', 'usage.json', 'jobs'];
    if (!known.some((name) => fs.existsSync(path.join(this.root, name)))) {
      throw new SourceFileError(this.root, `not a Gatehouse DATA_DIR (none of ${known.join(', ')})`);
    }
  }

  users(): UsersFile {
    return this.readJson('users.json', assertObjectWithArray('users')) ?? { users: [] };
  }

  invites(): InvitesFile {
    return this.readJson('invites.json', assertObjectWithArray('codes')) ?? { codes: [] };
  }

  /** undefined when the site never wrote a ledger (the app rebuilds it from the jobs at start). */
  usage(): UsageFile | undefined {
    return this.readJson('usage.json', assertObjectWithMap('users'));
  }

  twoFactor(): TwoFactorFile {
    return this.readJson('two-factor.json', assertObjectWithMap('users')) ?? { users: {} };
  }

  /**
   * api-tokens.json (digests only: the tokens themselves were never written anywhere). The files
   * store checks the file's shape at start; rows are checked here too, so a hand-damaged row names the
   * file instead of failing as a NOT NULL violation.
   */
  apiTokens(): ApiTokensFile {
    return this.readJson(API_TOKENS_FILE, assertApiTokensFile) ?? { tokens: [] };
  }

  /**
   * audit.jsonl in file order. Lines that are not a JSON object with `at` and `event` are skipped
   * and counted (the app's own reader skips them too; appends are whole lines, so in practice only a
   * hand edit makes one).
   */
  audit(): { entries: AuditEntry[]; skipped: number } {
    const text = this.readText('audit.jsonl');
    if (text === undefined) return { entries: [], skipped: 0 };
    const entries: AuditEntry[] = [];
    let skipped = 0;
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const entry = JSON.parse(line) as unknown;
        if (isAuditEntry(entry)) entries.push(entry);
        else skipped++;
      } catch {
        skipped++;
      }
    }
    return { entries, skipped };
  }

  /** The session secret the files site generated (`.session-secret`), if it did. */
  sessionSecret(): string | undefined {
    return this.readText(SESSION_SECRET_FILE)?.trim() || undefined;
  }

  /** Ids of the job folders that hold a job.json, oldest first (creation order is the queue order). */
  jobIds(): string[] {
    let names: string[];
    try {
      names = fs.readdirSync(path.join(this.root, 'jobs'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const jobs: { id: string; createdAt: string }[] = [];
    for (const name of names) {
      if (!isJobId(name) || !fs.existsSync(path.join(this.root, 'jobs', name, 'job.json'))) continue;
      jobs.push({ id: name, createdAt: this.jobRecord(name).created_at });
    }
    jobs.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    return jobs.map((job) => job.id);
  }

  job(id: string): SourceJob {
    const record = this.jobRecord(id);
    const manifest = this.readJson<Manifest>(`jobs/${id}/manifest.json`, assertManifest);
    const artifacts: SourceJob['artifacts'] = [];
    const dir = path.join(this.root, 'jobs', id, 'artifacts');
    let names: string[] = [];
    try {
      names = fs.readdirSync(dir).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    for (const name of names) {
      if (!ARTIFACT_NAME.test(name) || name.includes('.tmp')) continue;
      const content = this.readText(`jobs/${id}/artifacts/${name}`);
      if (content !== undefined) artifacts.push({ name, content });
    }
    return { record, manifest, artifacts };
  }

  private jobRecord(id: string): JobRecord {
    const relative = `jobs/${id}/job.json`;
    const record = this.readJson<JobRecord>(relative, assertJobRecord);
    if (!record) throw new SourceFileError(this.file(relative), 'missing');
    if (record.id !== id) throw new SourceFileError(this.file(relative), `holds job ${record.id}, not ${id}`);
    return record;
  }

  private readJson<T>(relative: string, validate: (data: unknown) => void): T | undefined {
    const text = this.readText(relative);
    if (text === undefined) return undefined;
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new SourceFileError(this.file(relative), `not valid JSON (${(error as Error).message})`);
    }
    try {
      validate(data);
    } catch (error) {
      throw new SourceFileError(this.file(relative), (error as Error).message);
    }
    return data as T;
  }

  private readText(relative: string): string | undefined {
    try {
      return fs.readFileSync(this.file(relative), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new SourceFileError(this.file(relative), (error as Error).message);
    }
  }

  private file(relative: string): string {
    return path.join(this.root, relative);
  }
}

function isAuditEntry(value: unknown): value is AuditEntry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const entry = value as Record<string, unknown>;
  return typeof entry.at === 'string' && typeof entry.event === 'string' && !Number.isNaN(Date.parse(entry.at));
}

function assertJobRecord(data: unknown): void {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error('expected a JSON object');
  const job = data as Record<string, unknown>;
  for (const key of ['id', 'status', 'owner', 'owner_id', 'created_at']) {
    if (typeof job[key] !== 'string') throw new Error(`expected "${key}" to be a string`);
  }
  if (!['queued', 'running', 'succeeded', 'failed'].includes(job.status as string)) {
    throw new Error(`unknown status "${String(job.status)}"`);
  }
  if (typeof job.count !== 'number') throw new Error('expected "count" to be a number');
}

function assertApiTokensFile(data: unknown): void {
  assertObjectWithArray('tokens')(data);
  (data as { tokens: unknown[] }).tokens.forEach((row, index) => {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      throw new Error(`token ${index + 1}: expected a JSON object`);
    }
    const token = row as Record<string, unknown>;
    const which = typeof token.id === 'string' ? `token "${token.id}"` : `token ${index + 1}`;
    for (const key of ['id', 'user_id', 'name', 'token_sha256', 'created_at', 'expires_at']) {
      if (typeof token[key] !== 'string') throw new Error(`${which}: expected "${key}" to be a string`);
    }
    if (!/^[0-9a-f]{64}$/.test(token.token_sha256 as string)) {
      throw new Error(`${which}: "token_sha256" is not a SHA-256 digest (64 hex digits)`);
    }
    if (token.last_used_at !== undefined && token.last_used_at !== null && typeof token.last_used_at !== 'string') {
      throw new Error(`${which}: expected "last_used_at" to be a string or null`);
    }
  });
}

function assertManifest(data: unknown): void {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error('expected a JSON object');
  if (!Array.isArray((data as Record<string, unknown>).files)) throw new Error('expected "files" to be an array');
}
