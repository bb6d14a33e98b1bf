'use strict';
/**
 * `npm run bench:sessions` (issue 13): what anonymous visitors and session counts cost.
 *   a. 20,000 cookie-less GET /login in 4 slices of 5,000 (autocannon, 10 connections): req/s per
 *      slice, and the DATA_DIR's size and file count before and after;
 *   b. login latency (BCRYPT_COST=4, sequential, only the POST /login timed) with 1k, 10k and 100k live
 *      sessions of other users already stored;
 *   c. 3,000 failed logins with random usernames from random addresses (X-Forwarded-For with
 *      TRUST_PROXY=loopback): the throttle counters' size (throttle.json before, throttle/ after) and the
 *      POST latency of the first and last 500.
 * Options: --quick (small sizes), --only=anon,login,spray, --sizes=1000,10000 --logins=200 (login part),
 * --legacy-format (seed sessions as one
 * sessions.json, as versions before issue 13 kept them: to measure an older build with --dist),
 * --dist=<folder>. Writes bench/sessions-results.json unless --quick or --only.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const bcrypt = require('bcrypt');
const { freePort, startServer } = require('./lib/procs');
const { Client } = require('./lib/client');
const { cannon, stats } = require('./lib/load');
const { writeUsers } = require('./lib/seed');

const ROOT = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const option = (name) => (args.find((a) => a.startsWith(`--${name}=`)) || '').slice(name.length + 3);
const DIST_MAIN = option('dist') ? path.resolve(option('dist'), 'main.js') : path.join(ROOT, 'dist', 'main.js');
const QUICK = args.includes('--quick');
const LEGACY = args.includes('--legacy-format');
const ONLY = option('only').split(',').filter(Boolean);
const wanted = (name) => ONLY.length === 0 || ONLY.includes(name);
const PLAN = {
  anon: { slices: 4, perSlice: QUICK ? 1000 : 5000, connections: 10 },
  login: {
    sizes: option('sizes')
      ? option('sizes').split(',').map(Number)
      : QUICK
        ? [1_000, 10_000]
        : [1_000, 10_000, 100_000],
    logins: Number(option('logins')) || (QUICK ? 40 : 200),
    warmup: 10,
  },
  spray: { attempts: QUICK ? 600 : 3000, slice: QUICK ? 100 : 500 },
};
const PASSWORD = 'bench-Passphrase-7319';
const tempDirs = [];
const running = new Set();
const log = (message) => process.stderr.write(`[bench:sessions] ${message}\n`);

function tempDir(label) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gatehouse-bench-${label}-`));
  tempDirs.push(dir);
  return dir;
}

async function start(name, dataDir, extra = {}) {
  const server = await startServer({
    name,
    script: DIST_MAIN,
    cwd: path.dirname(path.dirname(DIST_MAIN)),
    env: {
      NODE_ENV: 'production',
      GATEHOUSE_IGNORE_ENV_FILE: '1',
      DATA_DIR: dataDir,
      BCRYPT_COST: '4',
      SESSION_SECRET: crypto.randomBytes(32).toString('hex'),
      WEB_CONCURRENCY: '1',
      ...extra,
    },
    port: await freePort(),
    timeoutMs: 180_000,
  });
  running.add(server);
  return server;
}

async function stop(server) {
  await server.stop();
  running.delete(server);
}

/** Bytes and files under `dir` (recursive, lock folders included). */
function footprint(dir) {
  let bytes = 0;
  let files = 0;
  const stack = [dir];
  while (stack.length > 0) {
    const current = stack.pop();
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) stack.push(full);
      else {
        files++;
        bytes += fs.statSync(full).size;
      }
    }
  }
  return { bytes, files };
}

async function dataDirWithBench(label) {
  const dir = tempDir(label);
  const [bench] = writeUsers(dir, { users: [{ username: 'bench', passwordHash: await bcrypt.hash(PASSWORD, 4) }] });
  return { dir, bench };
}

/** `count` live sessions of `userId`, in the app's format (one file each) or the older sessions.json. */
function seedSessions(dir, userId, count) {
  const now = Date.now();
  const session = () => ({
    cookie: {
      originalMaxAge: 43_200_000,
      expires: new Date(now + 43_200_000).toISOString(),
      httpOnly: true,
      path: '/',
      sameSite: 'lax',
    },
    userId,
    sessionVersion: 0,
    loginAt: now,
    lastSeenAt: now,
    csrfToken: crypto.randomBytes(32).toString('hex'),
  });
  const expiresAt = now + 3_600_000;
  if (LEGACY) {
    const sessions = {};
    for (let i = 0; i < count; i++)
      sessions[crypto.randomBytes(24).toString('base64url')] = { sess: session(), expiresAt };
    fs.writeFileSync(path.join(dir, 'sessions.json'), JSON.stringify({ sessions }), { mode: 0o600 });
    return;
  }
  const folder = path.join(dir, 'sessions');
  fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
  for (let i = 0; i < count; i++) {
    const sid = crypto.randomBytes(24).toString('base64url');
    const name = `${crypto.createHash('sha256').update(sid).digest('hex')}.json`;
    fs.writeFileSync(path.join(folder, name), JSON.stringify({ data: session(), expiresAt }), { mode: 0o600 });
  }
}

async function anonymousFlood() {
  const plan = PLAN.anon;
  const { dir } = await dataDirWithBench('anon');
  const server = await start('anon', dir);
  try {
    const before = footprint(dir);
    const slices = [];
    for (let i = 0; i < plan.slices; i++) {
      const t0 = process.hrtime.bigint();
      const r = await cannon({ url: `${server.url}/login`, connections: plan.connections, amount: plan.perSlice });
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const reqPerSec = Math.round(r.requestsTotal / seconds);
      slices.push({ requests: r.requestsTotal, reqPerSec, p50Ms: r.latencyMs.p50, p99Ms: r.latencyMs.p99 });
      log(`anonymous GET /login slice ${i + 1}: ${reqPerSec} req/s`);
    }
    const after = footprint(dir);
    return { requests: plan.slices * plan.perSlice, before, after, slices };
  } finally {
    await stop(server);
  }
}

async function loginLatency() {
  const plan = PLAN.login;
  const rows = [];
  for (const size of plan.sizes) {
    const { dir, bench } = await dataDirWithBench(`login-${size}`);
    seedSessions(dir, bench.id, size);
    const started = Date.now();
    const server = await start(`login-${size}`, dir);
    const startupMs = Date.now() - started;
    try {
      const times = [];
      for (let i = 0; i < plan.warmup + plan.logins; i++) {
        const client = new Client(server.url);
        const _csrf = await client.csrf('/login');
        const t0 = process.hrtime.bigint();
        const res = await client.post('/login', { username: 'bench', password: PASSWORD, _csrf });
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        if (res.status !== 303) throw new Error(`login answered ${res.status}`);
        if (i >= plan.warmup) times.push(ms);
      }
      const s = stats(times);
      rows.push({ sessions: size, logins: s.n, p50Ms: s.p50, p99Ms: s.p99, startupMs });
      log(`login with ${size} sessions: p50 ${s.p50} ms, p99 ${s.p99} ms (start-up ${startupMs} ms)`);
    } finally {
      await stop(server);
    }
  }
  return rows;
}

async function usernameSpray() {
  const plan = PLAN.spray;
  const { dir } = await dataDirWithBench('spray');
  const server = await start('spray', dir, { TRUST_PROXY: 'loopback' });
  try {
    const before = footprint(dir);
    const times = [];
    const statuses = {};
    for (let i = 0; i < plan.attempts; i++) {
      const ip = `203.0.${(i >> 8) & 255}.${i & 255}`;
      const client = new Client(server.url, undefined, { 'x-forwarded-for': ip });
      const _csrf = await client.csrf('/login');
      const t0 = process.hrtime.bigint();
      const res = await client.post('/login', {
        username: `nobody-${crypto.randomUUID()}`,
        password: 'wrong password',
        _csrf,
      });
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    }
    const throttleFile = path.join(dir, 'throttle.json');
    const throttleDir = path.join(dir, 'throttle');
    return {
      attempts: plan.attempts,
      statuses,
      first: stats(times.slice(0, plan.slice)),
      last: stats(times.slice(-plan.slice)),
      throttleJsonBytes: fs.existsSync(throttleFile) ? fs.statSync(throttleFile).size : 0,
      // One file per counter since issue 13 item 3: their count and total size.
      throttleDir: fs.existsSync(throttleDir) ? footprint(throttleDir) : { bytes: 0, files: 0 },
      before,
      after: footprint(dir),
    };
  } finally {
    await stop(server);
  }
}

async function main() {
  if (!fs.existsSync(DIST_MAIN)) throw new Error(`${DIST_MAIN} is missing: run npm run build first`);
  const results = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, load: os.loadavg() },
    legacyFormat: LEGACY,
  };
  if (wanted('anon')) results.anonymous = await anonymousFlood();
  if (wanted('login')) results.login = await loginLatency();
  if (wanted('spray')) results.spray = await usernameSpray();
  results.machine.loadAtEnd = os.loadavg();
  console.log(JSON.stringify(results, null, 2));
  if (!QUICK && ONLY.length === 0 && !option('dist')) {
    fs.writeFileSync(path.join(__dirname, 'sessions-results.json'), `${JSON.stringify(results, null, 2)}\n`);
  }
}

async function cleanup() {
  for (const server of running) await server.stop().catch(() => undefined);
  if (!args.includes('--keep')) for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
}

process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));
main()
  .then(cleanup)
  .catch(async (error) => {
    console.error(error);
    await cleanup();
    process.exit(1);
  });
