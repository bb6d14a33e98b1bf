import * as fs from 'node:fs';
import * as path from 'node:path';
import { Database } from '../../src/persistence/postgres/database';
import type { TestApp } from './test-app';

/** Every file under `dir`, concatenated (files mode's whole store). */
function everyFile(dir: string): string {
  if (!fs.existsSync(dir)) return '';
  let text = '';
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    text += entry.isDirectory() ? everyFile(full) : `\n${fs.readFileSync(full, 'utf8')}`;
  }
  return text;
}

async function tablesText(t: TestApp, tables?: string[]): Promise<string> {
  const db = t.app.get(Database, { strict: false });
  const names =
    tables ??
    (
      await db.query<{ name: string }>(
        "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
      )
    ).rows.map((row) => row.name);
  let text = '';
  for (const name of names) {
    const { rows } = await db.query<{ row: string }>(`SELECT r::text AS row FROM ${name} r`);
    text += rows.map((row) => `\n${row.row}`).join('');
  }
  return text;
}

/**
 * Everything the app has stored, as raw text, whatever the store: files mode reads every file under
 * DATA_DIR, postgres mode every row of every table. For "no secret is ever stored" assertions, which
 * must hold in both modes.
 */
export function rawStore(t: TestApp): Promise<string> {
  return t.store === 'postgres' ? tablesText(t) : Promise.resolve(everyFile(t.dataDir));
}

/** The audit log as stored (audit.jsonl, or the audit_log rows). */
export function rawAudit(t: TestApp): Promise<string> {
  if (t.store === 'postgres') return tablesText(t, ['audit_log']);
  const file = path.join(t.dataDir, 'audit.jsonl');
  return Promise.resolve(fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');
}

/** The tables that hold what each data file holds (postgres mode). */
const TABLES_OF_FILE: Record<string, string[]> = {
  'users.json': ['users'],
  'invites.json': ['invites'],
  'audit.jsonl': ['audit_log'],
  'password-resets.json': ['password_reset_tokens'],
  'two-factor.json': ['two_factor'],
  'usage.json': ['usage_days', 'usage_users', 'usage_ledger_state'],
  'api-tokens.json': ['api_tokens'],
};

/**
 * A data file's bytes (files mode; null when it does not exist), or in postgres mode the rows of the
 * tables holding the same data, as text: for "nothing changed" and "never stored" assertions.
 */
export async function storedText(t: TestApp, file: string): Promise<string | null> {
  if (t.store === 'postgres') {
    const tables = TABLES_OF_FILE[file];
    if (!tables) throw new Error(`storedText: no table is known for ${file}`);
    return tablesText(t, tables);
  }
  const full = path.join(t.dataDir, file);
  return fs.existsSync(full) ? fs.readFileSync(full, 'utf8') : null;
}

/** The invites as stored, in the files' snake_case keys (invites.json, or the invites rows). */
export async function storedInvites(t: TestApp): Promise<Array<Record<string, unknown>>> {
  if (t.store === 'files') {
    const text = await storedText(t, 'invites.json');
    return text ? (JSON.parse(text) as { codes: Array<Record<string, unknown>> }).codes : [];
  }
  const db = t.app.get(Database, { strict: false });
  const { rows } = await db.query<Record<string, unknown>>('SELECT * FROM invites ORDER BY seq');
  return rows.map((row) => ({
    ...Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v])),
    used: (row.uses as number) >= (row.max_uses as number),
  }));
}

/**
 * Changes whenever the data of `file` is written, even with the same bytes: the file's mtime, or in
 * postgres mode the row versions (`xmin`) of its tables. For "nothing was written" assertions.
 */
export async function writeMark(t: TestApp, file: string): Promise<string> {
  if (t.store === 'files') return String(fs.statSync(path.join(t.dataDir, file)).mtimeMs);
  const tables = TABLES_OF_FILE[file];
  if (!tables) throw new Error(`writeMark: no table is known for ${file}`);
  const db = t.app.get(Database, { strict: false });
  let mark = '';
  for (const name of tables) {
    const { rows } = await db.query<{ v: string }>(`SELECT xmin::text AS v FROM ${name} ORDER BY xmin::text`);
    mark += `${name}:${rows.map((row) => row.v).join(',')};`;
  }
  return mark;
}
