'use strict';
/**
 * Data the benchmark puts in a DATA_DIR before a server starts, in exactly the formats the app
 * writes (src/auth/users/users.service.ts, src/invites/invites.service.ts, src/generation/jobs/).
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const BCRYPT_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Looks like a bcrypt hash (never verified: filler users never log in). */
function fakeBcryptHash() {
  const bytes = crypto.randomBytes(53);
  let out = '$2b$04$';
  for (const b of bytes) out += BCRYPT_ALPHABET[b & 63];
  return out;
}

/** A users.json record as UsersService.create writes it. */
function userRecord({ username, passwordHash, role = 'user', id = crypto.randomUUID(), createdAt }) {
  return {
    id,
    username,
    password_hash: passwordHash,
    role,
    created_at: createdAt ?? new Date().toISOString(),
    disabled: false,
    invited_by: null,
    invite_code: null,
    last_login_at: null,
    session_version: 0,
  };
}

/**
 * Writes users.json with `fillers` made-up users plus `users` (real ones, with real hashes),
 * compact like the app writes it (a prototype's pretty file reads the same). Returns the real users' records.
 */
function writeUsers(dataDir, { fillers = 0, users = [] }) {
  const created = new Date(Date.now() - 86_400_000).toISOString();
  const records = [];
  for (let i = 1; i <= fillers; i++) {
    records.push(
      userRecord({
        username: `member${String(i).padStart(6, '0')}`,
        passwordHash: fakeBcryptHash(),
        createdAt: created,
      }),
    );
  }
  const real = users.map((u) => userRecord({ ...u, createdAt: created }));
  records.push(...real);
  writeJson(dataDir, 'users.json', { users: records }, false);
  return real;
}

/** invites.json with `count` fresh single-use invites (as the admin panel mints them); returns the codes. */
function writeInvites(dataDir, count) {
  const now = new Date();
  const codes = [];
  const records = [];
  for (let i = 0; i < count; i++) {
    const code = crypto.randomBytes(18).toString('base64url');
    codes.push(code);
    records.push({
      code,
      note: `bench ${i + 1}`,
      used: false,
      role: 'user',
      created_at: now.toISOString(),
      created_by: 'bench',
      max_uses: 1,
      uses: 0,
      expires_at: new Date(now.getTime() + 7 * 86_400_000).toISOString(),
      revoked_at: null,
      used_by: [],
    });
  }
  writeJson(dataDir, 'invites.json', { codes: records }, true);
  return codes;
}

/** Deterministic pseudo-random generator (mulberry32), so every run zips the same bytes. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'the a of to and in for on with as by at from that this these those draft brief market customer ' +
  'product launch team plan budget growth risk quality review schedule remote work office policy ' +
  'benefit cost value strategy channel audience message tone voice story data report metric target ' +
  'week month quarter year early late clear simple strong weak fast slow new old first last next ' +
  'because however therefore meanwhile although unless while when where which who what why how'
).split(' ');

/** About `bytes` of markdown-like prose (compresses like text, about 3:1). */
function proseChunk(bytes, seed) {
  const random = prng(seed);
  const parts = [];
  let size = 0;
  let sentence = 0;
  while (size < bytes) {
    const n = 8 + Math.floor(random() * 14);
    const words = [];
    for (let i = 0; i < n; i++) words.push(WORDS[Math.floor(random() * WORDS.length)]);
    words[0] = words[0][0].toUpperCase() + words[0].slice(1);
    let line = `${words.join(' ')}.`;
    sentence++;
    line += sentence % 6 === 0 ? '\n\n' : ' ';
    if (sentence % 60 === 0) line += `## Section ${sentence / 60}\n\n`;
    parts.push(line);
    size += line.length;
  }
  return Buffer.from(parts.join('')).subarray(0, bytes);
}

/**
 * A succeeded job with `files` artifacts of `fileBytes` each, owned by `owner`: job.json,
 * artifacts/*.md, manifest.json (sizes and sha256 of the real bytes) and its jobs/index.json row,
 * exactly as JobsRepository/JobProcessor write them. Returns {id, totalBytes}.
 */
function writeBigJob(dataDir, owner, { files, fileBytes }) {
  const id = crypto.randomUUID();
  const jobDir = path.join(dataDir, 'jobs', id);
  const artifactsDir = path.join(jobDir, 'artifacts');
  fs.mkdirSync(artifactsDir, { recursive: true });
  const chunk = proseChunk(1024 * 1024, 42);
  const manifestFiles = [];
  for (let i = 0; i < files; i++) {
    const name = `${String(i + 1).padStart(2, '0')}-large-draft-${i + 1}.md`;
    const hash = crypto.createHash('sha256');
    const fd = fs.openSync(path.join(artifactsDir, name), 'w');
    let written = 0;
    const header = Buffer.from(`# Large draft ${i + 1}\n\n`);
    const write = (buf) => {
      fs.writeSync(fd, buf);
      hash.update(buf);
      written += buf.length;
    };
    write(header);
    let offset = (i * 7919) % chunk.length;
    while (written < fileBytes) {
      const piece = chunk.subarray(offset, Math.min(chunk.length, offset + (fileBytes - written)));
      write(piece);
      offset = 0;
    }
    fs.closeSync(fd);
    manifestFiles.push({ path: `artifacts/${name}`, bytes: written, sha256: hash.digest('hex') });
  }
  const created = new Date(Date.now() - 3_600_000);
  const iso = (ms) => new Date(created.getTime() + ms).toISOString();
  const usage = { drafts: files, prompt_tokens: 0, completion_tokens: 0 };
  const job = {
    id,
    owner: owner.username,
    owner_id: owner.id,
    prompt: 'Benchmark: a very large pack of drafts for the zip streaming measurement.',
    count: files,
    status: 'succeeded',
    provider: 'offline',
    model: 'offline-template-v1',
    created_at: iso(0),
    started_at: iso(1000),
    finished_at: iso(2000),
    error: null,
    usage,
    qc_passed: true,
    claimed_by: null,
    attempts: 1,
  };
  const checks = [
    { name: 'non-empty', passed: true, detail: `All ${files} drafts have content.` },
    { name: 'word-count', passed: true, detail: 'Seeded by the benchmark (not checked).' },
    { name: 'no-duplicates', passed: true, detail: 'No two drafts are the same.' },
    { name: 'banned-terms', passed: true, detail: 'No banned terms.' },
    { name: 'file-hashes', passed: true, detail: `All ${files} files match the manifest.` },
  ];
  const manifest = {
    job_id: id,
    owner: owner.username,
    prompt: job.prompt,
    count: files,
    status: 'succeeded',
    provider: job.provider,
    model: job.model,
    created_at: job.created_at,
    started_at: job.started_at,
    finished_at: job.finished_at,
    error: null,
    usage,
    files: manifestFiles,
    qc: { passed: true, checked_at: job.finished_at, checks },
  };
  writeJson(dataDir, `jobs/${id}/job.json`, job, true);
  writeJson(dataDir, `jobs/${id}/manifest.json`, manifest, true);
  const indexPath = path.join(dataDir, 'jobs', 'index.json');
  const index = fs.existsSync(indexPath) ? JSON.parse(fs.readFileSync(indexPath, 'utf8')) : { jobs: [] };
  // The app's own mapping, from the build the bench measures (npm run bench builds first).
  const { rowOf } = require('../../dist/generation/persistence/json/job.record.js');
  index.jobs.push(rowOf(job));
  writeJson(dataDir, 'jobs/index.json', index, false);
  return { id, totalBytes: manifestFiles.reduce((sum, f) => sum + f.bytes, 0) };
}

function writeJson(dataDir, rel, data, pretty) {
  const file = path.join(dataDir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, pretty ? `${JSON.stringify(data, null, 2)}\n` : JSON.stringify(data));
}

module.exports = { writeUsers, writeInvites, writeBigJob, fakeBcryptHash };
