import * as bcrypt from 'bcrypt';
import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SecretBox } from '../../src/auth/two-factor/secret-box';

const FIXTURES = path.join(__dirname, '..', 'fixtures');

/** Passwords of the users in a files site made by `writeFilesSite` (the prototype's from its fixture tests). */
export const SITE_PASSWORDS = {
  alice: 'prototype-pass-1', // prototype pbkdf2 hash, admin, no id (legacy:alice)
  Bob: 'prototype-pass-2', // prototype scrypt hash
  carol: 'carol long password', // bcrypt, written by this version
} as const;

export const CAROL_ID = '6f1d2c1e-4a57-4d1b-9a0e-0c2b8f1e7a11';

/** The files site's generated session secret (DATA_DIR/.session-secret) and carol's TOTP secret sealed under it. */
export const SITE_SESSION_SECRET = 'files-site-session-secret-0123456789-abcdefghij';
export const CAROL_TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
export const CAROL_RECOVERY_HASHES = ['a'.repeat(64), 'b'.repeat(64)];

export interface FilesSite {
  dir: string;
  /** Finished job of carol's, with two drafts and a manifest. */
  doneJobId: string;
  /** A queued job of carol's (the site was stopped before it ran). */
  queuedJobId: string;
  drafts: Record<string, string>;
  remove(): void;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function write(dir: string, relative: string, content: string): void {
  const file = path.join(dir, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, content, { mode: 0o600 });
}

/**
 * A files-mode DATA_DIR as the app (and the Flask prototype before it) leaves it: prototype users and
 * invites (test/fixtures) plus a user of this version, a multi-use invite, an audit log with one
 * damaged line, a usage ledger and two jobs (one finished with drafts and manifest, one queued).
 */
export function writeFilesSite(): FilesSite {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-files-site-'));
  const protoUsers = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'prototype-users.json'), 'utf8'));
  const protoInvites = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'prototype-invites.json'), 'utf8'));
  const users = [
    ...protoUsers.users,
    {
      id: CAROL_ID,
      username: 'carol',
      password_hash: bcrypt.hashSync(SITE_PASSWORDS.carol, 4),
      role: 'user',
      created_at: '2026-03-01T10:00:00.000Z',
      disabled: false,
      invited_by: 'alice',
      invite_code: 'multi-use-code',
      last_login_at: '2026-03-02T11:12:13.456Z',
      session_version: 2,
      daily_drafts: 7,
      theme: 'dark', // a key this version does not know
    },
  ];
  write(dir, 'users.json', JSON.stringify({ users }));
  write(dir, '.session-secret', SITE_SESSION_SECRET);
  write(
    dir,
    'two-factor.json',
    JSON.stringify({
      users: {
        [CAROL_ID]: {
          pending: null,
          enrolment: {
            sealed_secret: SecretBox.forSecret(SITE_SESSION_SECRET).seal(CAROL_TOTP_SECRET),
            enabled_at: '2026-03-01T10:05:00.000Z',
            last_used_step: 59000000,
            recovery_code_hashes: CAROL_RECOVERY_HASHES,
          },
        },
        // Bob started a setup and never finished it.
        'legacy:bob': {
          pending: {
            sealed_secret: SecretBox.forSecret(SITE_SESSION_SECRET).seal('KRSXG5CTMVRXEZLU'),
            created_at: '2026-03-01T11:00:00.000Z',
          },
          enrolment: null,
        },
        'gone-user': { pending: null, enrolment: null },
      },
    }),
  );
  const invites = [
    ...protoInvites.codes,
    {
      code: 'multi-use-code',
      note: 'team',
      used: false,
      role: 'user',
      created_at: '2026-02-28T09:00:00.000Z',
      created_by: 'alice',
      max_uses: 3,
      uses: 1,
      expires_at: null,
      revoked_at: null,
      used_by: ['carol'],
    },
  ];
  write(dir, 'invites.json', JSON.stringify({ codes: invites }, null, 2));
  const audit = [
    { at: '2026-03-01T10:00:00.000Z', event: 'invite.use', actor: 'carol', ip: '10.0.0.5', code: 'multi-use-code' },
    { at: '2026-03-01T10:00:00.001Z', event: 'register', actor: 'carol', ip: '10.0.0.5' },
    { at: '2026-03-02T11:12:13.456Z', event: 'login.success', actor: 'carol', ip: '10.0.0.5' },
  ];
  write(dir, 'audit.jsonl', audit.map((e) => JSON.stringify(e)).join('\n') + '\n{"at": "cut off\n');

  const doneJobId = randomUUID();
  const queuedJobId = randomUUID();
  const drafts = {
    'artifacts/01-remote-work.md': '# Remote work\n\nA first draft about remote work.\n',
    'artifacts/02-offices.md': '# Offices\n\nA second draft, about offices — with ünïcode.\n',
  };
  const usage = { drafts: 2, prompt_tokens: 0, completion_tokens: 0 };
  const job = (id: string, fields: Record<string, unknown>) => ({
    id,
    owner: 'carol',
    owner_id: CAROL_ID,
    prompt: 'Write about where we work.',
    count: 2,
    status: 'queued',
    provider: 'offline',
    model: 'offline-template-v1',
    created_at: '2026-03-02T12:00:00.000Z',
    started_at: null,
    finished_at: null,
    error: null,
    usage: { drafts: 0, prompt_tokens: 0, completion_tokens: 0 },
    qc_passed: null,
    claimed_by: null,
    attempts: 0,
    ...fields,
  });
  const done = job(doneJobId, {
    status: 'succeeded',
    started_at: '2026-03-02T12:00:01.000Z',
    finished_at: '2026-03-02T12:00:02.000Z',
    usage,
    qc_passed: true,
    attempts: 1,
  });
  write(dir, `jobs/${doneJobId}/job.json`, JSON.stringify(done, null, 2));
  for (const [rel, text] of Object.entries(drafts)) write(dir, `jobs/${doneJobId}/${rel}`, text);
  const manifest = {
    job_id: doneJobId,
    owner: 'carol',
    prompt: done.prompt,
    count: 2,
    status: 'succeeded',
    provider: 'offline',
    model: 'offline-template-v1',
    created_at: done.created_at,
    started_at: done.started_at,
    finished_at: done.finished_at,
    error: null,
    usage,
    files: Object.entries(drafts).map(([rel, text]) => ({
      path: rel,
      bytes: Buffer.byteLength(text),
      sha256: sha256(text),
    })),
    qc: { passed: true, checked_at: done.finished_at, checks: [{ name: 'non-empty', passed: true, detail: '' }] },
  };
  write(dir, `jobs/${doneJobId}/manifest.json`, JSON.stringify(manifest, null, 2));
  write(
    dir,
    `jobs/${queuedJobId}/job.json`,
    JSON.stringify(job(queuedJobId, { created_at: '2026-03-02T13:00:00.000Z' })),
  );
  write(
    dir,
    'usage.json',
    JSON.stringify({
      users: {
        [CAROL_ID]: {
          username: 'carol',
          days: { '2026-03-02': { jobs: 2, drafts: 4, prompt_tokens: 0, completion_tokens: 0 } },
        },
      },
    }),
  );
  return {
    dir,
    doneJobId,
    queuedJobId,
    drafts,
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
