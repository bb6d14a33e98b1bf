'use strict';
/**
 * `node bench/security.js [--dist=<folder>] [--only=parallel,account,flood,timing]`: replays the security
 * review's probes (issue 11, findings 1, 4, 5 and 6) against a built server and prints what it saw, so
 * the same script measures a build before and after a change. Every server runs on its own loopback
 * port and temp DATA_DIR with BCRYPT_COST=12 (the default), started and stopped here.
 *
 *   parallel  120 logins at once for one username (the right password is #110), then 120 at once for
 *             120 usernames from one IP; a bystander from another IP logs in during the first batch
 *   account   30 wrong current passwords on /account/password, then the right one
 *   flood     5,000 refused logins (a locked 200-character username): audit.jsonl growth
 *   timing    median login time of a prototype (Werkzeug pbkdf2) user, a bcrypt user and an unknown user
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const bcrypt = require('bcrypt');
const { freePort, startServer, treeCpuSeconds } = require('./lib/procs');
const { Client } = require('./lib/client');
const { writeUsers } = require('./lib/seed');

const ROOT = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const option = (name) => (args.find((a) => a.startsWith(`--${name}=`)) || '').slice(name.length + 3);
const DIST_MAIN = option('dist') ? path.resolve(option('dist'), 'main.js') : path.join(ROOT, 'dist', 'main.js');
const ONLY = option('only').split(',').filter(Boolean);
const wanted = (name) => ONLY.length === 0 || ONLY.includes(name);

const COST = 12;
const PASSWORD = 'correct horse battery staple';
const PROTOTYPE_USERS = JSON.parse(
  fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'prototype-users.json'), 'utf8'),
);

const log = (...parts) => console.log(...parts);
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const histogram = (statuses) => statuses.reduce((h, s) => ({ ...h, [s]: (h[s] || 0) + 1 }), {});

async function withServer(name, seed, env, run) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gatehouse-sec-${name}-`));
  seed(dir);
  const server = await startServer({
    name,
    script: DIST_MAIN,
    cwd: path.dirname(path.dirname(DIST_MAIN)),
    port: await freePort(),
    env: {
      NODE_ENV: 'production',
      GATEHOUSE_IGNORE_ENV_FILE: '1',
      DATA_DIR: dir,
      SESSION_SECRET: 'security-bench-secret-0123456789-abcdefghij',
      BCRYPT_COST: String(COST),
      TRUST_PROXY: 'loopback',
      ...env,
    },
  });
  try {
    return await run(server, dir);
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A client whose requests come from `ip` (the server trusts X-Forwarded-For from loopback here). */
function clientFrom(url, ip) {
  return new Client(url, undefined, { 'x-forwarded-for': ip });
}

async function parallelLogins() {
  const hash = await bcrypt.hash(PASSWORD, COST);
  const users = [
    { username: 'victim', passwordHash: hash },
    { username: 'bystander', passwordHash: hash },
  ];
  return withServer(
    'parallel',
    (dir) => writeUsers(dir, { users }),
    {},
    async (server) => {
      // One username, 120 attempts at once from one IP; the right password is attempt #110.
      const attackers = await Promise.all(
        Array.from({ length: 120 }, async () => {
          const client = clientFrom(server.url, '198.51.100.7');
          return { client, csrf: await client.csrf('/login') };
        }),
      );
      const bystander = clientFrom(server.url, '203.0.113.9');
      const bystanderCsrf = await bystander.csrf('/login');
      const started = Date.now();
      const batch = Promise.all(
        attackers.map(({ client, csrf }, i) =>
          client
            .post('/login', { username: 'victim', password: i === 109 ? PASSWORD : `wrong-${i}`, _csrf: csrf })
            .then((res) => res.status),
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      const bystanderStarted = Date.now();
      const bystanderStatus = (
        await bystander.post('/login', { username: 'bystander', password: PASSWORD, _csrf: bystanderCsrf })
      ).status;
      const bystanderMs = Date.now() - bystanderStarted;
      const statuses = await batch;
      const oneUser = {
        statuses: histogram(statuses),
        rightPasswordAnswer: statuses[109],
        batchMs: Date.now() - started,
        bystander: { status: bystanderStatus, ms: bystanderMs },
      };

      // 120 usernames at once from one IP (LOGIN_MAX_FAILURES_PER_IP=50 by default).
      const spray = await Promise.all(
        Array.from({ length: 120 }, async (_, i) => {
          const client = clientFrom(server.url, '198.51.100.8');
          return { client, csrf: await client.csrf('/login'), i };
        }),
      );
      const sprayStatuses = await Promise.all(
        spray.map(({ client, csrf, i }) =>
          client.post('/login', { username: `nobody${i}`, password: 'wrong', _csrf: csrf }).then((r) => r.status),
        ),
      );
      return { oneUser, perIp: { statuses: histogram(sprayStatuses) } };
    },
  );
}

async function accountPassword() {
  const hash = await bcrypt.hash(PASSWORD, COST);
  return withServer(
    'account',
    (dir) => writeUsers(dir, { users: [{ username: 'member', passwordHash: hash }] }),
    {},
    async (server) => {
      const client = clientFrom(server.url, '198.51.100.9');
      await client.login('member', PASSWORD);
      const statuses = [];
      for (let i = 0; i < 31; i++) {
        const csrf = await client.csrf('/account/password');
        const res = await client.post('/account/password', {
          currentPassword: i === 30 ? PASSWORD : `wrong-guess-${i}`,
          newPassword: 'a brand new passphrase',
          _csrf: csrf,
        });
        statuses.push(res.status);
      }
      return { wrong30: histogram(statuses.slice(0, 30)), right31st: statuses[30] };
    },
  );
}

async function auditFlood() {
  const hash = await bcrypt.hash(PASSWORD, COST);
  return withServer(
    'flood',
    (dir) => writeUsers(dir, { users: [{ username: 'member', passwordHash: hash }] }),
    { LOGIN_MAX_FAILURES_PER_IP: '100000' },
    async (server, dir) => {
      const client = clientFrom(server.url, '198.51.100.10');
      const csrf = await client.csrf('/login');
      const username = 'x'.repeat(200);
      for (let i = 0; i < 5; i++) await client.post('/login', { username, password: 'wrong', _csrf: csrf });
      const audit = path.join(dir, 'audit.jsonl');
      const size = () => (fs.existsSync(audit) ? fs.statSync(audit).size : 0);
      const lines = () =>
        fs.existsSync(audit) ? fs.readFileSync(audit, 'utf8').split('\n').filter(Boolean).length : 0;
      const [bytesBefore, linesBefore] = [size(), lines()];
      const statuses = [];
      const started = Date.now();
      const cpuBefore = treeCpuSeconds(server.pid);
      let next = 0;
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          while (next < 5000) {
            next++;
            statuses.push((await client.post('/login', { username, password: 'wrong', _csrf: csrf })).status);
          }
        }),
      );
      const longest = Math.max(
        ...fs
          .readFileSync(audit, 'utf8')
          .split('\n')
          .map((l) => l.length),
      );
      const cpuSeconds = treeCpuSeconds(server.pid) - cpuBefore;
      return {
        statuses: histogram(statuses),
        seconds: (Date.now() - started) / 1000,
        serverCpuMicrosPerRequest: Math.round((cpuSeconds * 1e6) / statuses.length),
        auditBytesAdded: size() - bytesBefore,
        auditLinesAdded: lines() - linesBefore,
        longestAuditLine: longest,
      };
    },
  );
}

async function timing() {
  const hash = await bcrypt.hash(PASSWORD, COST);
  const rounds = 15;
  return withServer(
    'timing',
    (dir) => {
      fs.writeFileSync(
        path.join(dir, 'users.json'),
        JSON.stringify({
          users: [...PROTOTYPE_USERS.users, { username: 'modern', password_hash: hash, role: 'user' }],
        }),
      );
    },
    { LOGIN_MAX_FAILURES: '1000', LOGIN_MAX_FAILURES_PER_IP: '100000' },
    async (server) => {
      const client = clientFrom(server.url, '198.51.100.11');
      const csrf = await client.csrf('/login');
      const who = {
        'prototype pbkdf2 (alice)': 'alice',
        'prototype scrypt (Bob)': 'Bob',
        bcrypt: 'modern',
        unknown: 'ghost',
      };
      const times = Object.fromEntries(Object.keys(who).map((k) => [k, []]));
      for (let round = -1; round < rounds; round++) {
        for (const [label, username] of Object.entries(who)) {
          const started = process.hrtime.bigint();
          const res = await client.post('/login', { username, password: 'a wrong password', _csrf: csrf });
          if (res.status !== 401) throw new Error(`timing: ${username} answered ${res.status}`);
          if (round >= 0) times[label].push(Number(process.hrtime.bigint() - started) / 1e6);
        }
      }
      return Object.fromEntries(Object.entries(times).map(([label, ms]) => [label, Math.round(median(ms))]));
    },
  );
}

async function main() {
  log(`security probes against ${DIST_MAIN} (BCRYPT_COST=${COST}, load ${os.loadavg()[0].toFixed(1)})`);
  const results = {};
  if (wanted('parallel')) results.parallel = await parallelLogins();
  if (wanted('account')) results.account = await accountPassword();
  if (wanted('flood')) results.flood = await auditFlood();
  if (wanted('timing')) results.timingMedianMs = await timing();
  log(JSON.stringify(results, null, 2));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
