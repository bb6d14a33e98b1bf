'use strict';
/**
 * `npm run bench`: builds Gatehouse (npm script), then measures, side by side in one run,
 *   1. gated page throughput against a minimal Nest baseline (bench/baseline/), 1 and 2 processes;
 *   2. /healthz latency while 20 clients log in with BCRYPT_COST=12;
 *   3. register and page latency with 1k, 10k and 100k users in users.json;
 *   4. server memory while streaming a 200 MiB zip;
 *   5. start-up time with 100k users vs an empty DATA_DIR.
 * Prints a table and writes bench/results.json. Every server runs with NODE_ENV=production on its
 * own loopback port and temp DATA_DIR; all are started and stopped here.
 *
 * Options: --quick (short durations, small sizes: a smoke test, figures not comparable)
 *   6. the gated page, register and login with STORE=postgres (1 process, 2 hosts on one database) beside
 *      files mode (PostgreSQL: BENCH_DATABASE_URL, else the tests' embedded server).
 *          --only=throughput,login,store,zip,startup,postgres   --keep (keep the temp DATA_DIRs)
 *          --dist=<folder> (measure another build's dist/; its views/ and node_modules/ must sit beside it)
 *          --seconds=N (measured seconds of load per server in the throughput part)
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const bcrypt = require('bcrypt');
const {
  freePort,
  startServer,
  sampleRss,
  sleep,
  treeCpuSeconds,
  eldProbeEnv,
  eldReset,
  eldCollect,
} = require('./lib/procs');
const { Client } = require('./lib/client');
const { cannon, timed, stats, round, percentile } = require('./lib/load');
const { writeUsers, writeInvites, writeBigJob } = require('./lib/seed');
const { PASSWORD, gatehouseEnv, finishedJob: finishedJobOf } = require('./lib/gatehouse');
const { postgresServer, createDatabase } = require('./lib/postgres');

const ROOT = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const option = (name) => (args.find((a) => a.startsWith(`--${name}=`)) || '').slice(name.length + 3);
/** --dist=<folder> measures another build of Gatehouse (e.g. a copy of dist/ from another commit). */
const DIST_MAIN = option('dist') ? path.resolve(option('dist'), 'main.js') : path.join(ROOT, 'dist', 'main.js');
const BASELINE_MAIN = path.join(__dirname, 'baseline', 'main.js');
const RESULTS_FILE = path.join(__dirname, 'results.json');

const QUICK = args.includes('--quick');
const KEEP = args.includes('--keep');
const ONLY = option('only').split(',').filter(Boolean);
const wanted = (name) => ONLY.length === 0 || ONLY.includes(name);

/** Every knob in one place (README documents them). */
const PLAN = {
  // --seconds=N: N seconds of measured load per server (short repeated runs on a shared machine).
  throughput: {
    connections: 50,
    durationS: Number(option('seconds')) || (QUICK ? 4 : 10),
    rounds: 2,
    warmupS: QUICK ? 1 : 3,
  },
  login: { clients: 20, bcryptCost: 12, probeS: QUICK ? 3 : 10, pageProbeS: QUICK ? 2 : 5, probeRate: 100, rampS: 1 },
  store: {
    sizes: QUICK ? [1_000, 5_000] : [1_000, 10_000, 100_000],
    registrations: QUICK ? 15 : 60,
    registrationBudgetS: QUICK ? 10 : 25,
    warmupRequests: 5,
    pageRequests: QUICK ? 200 : 1000,
  },
  zip: { files: 20, fileBytes: (QUICK ? 1 : 10) * 1024 * 1024, sampleMs: 20 },
  startup: { users: QUICK ? 5_000 : 100_000, runs: 3 },
  // Part 6 (--only=postgres): files vs STORE=postgres, 1 process and 2 hosts; --seconds=N as in part 1.
  postgres: {
    connections: 50,
    durationS: Number(option('seconds')) || (QUICK ? 4 : 10),
    rounds: 2,
    warmupS: QUICK ? 1 : 3,
    registrations: QUICK ? 15 : 60,
    logins: QUICK ? 15 : 60,
    warmupRequests: 5,
  },
};

const TARGETS = {
  // Issue 14: the gated page at >= 0.8 x the floor (one process each), its p99 at most twice the
  // floor's, and WEB_CONCURRENCY=2 at >= 1.0 x the one-process floor, all in the same run.
  throughputVsBaseline: 0.8,
  p99VsBaseline: 2,
  clusterVsBaseline: 1.0,
  healthzP99Ms: 50,
  register10kP50Ms: 30,
  pageFlatRatio: 1.25,
  zipRssGrowthMiB: 64,
};

const tempDirs = [];
const running = new Set();
/** Extra clean-up steps (the postgres part's databases and server), run after the servers stop. */
const atCleanup = [];

function log(message) {
  process.stderr.write(`[bench] ${message}\n`);
}

function tempDir(label) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gatehouse-bench-${label}-`));
  tempDirs.push(dir);
  return dir;
}

async function startGatehouse(name, dataDir, extra) {
  const eldDir = tempDir(`eld-${name}`);
  const server = await startServer({
    name,
    script: DIST_MAIN,
    cwd: path.dirname(path.dirname(DIST_MAIN)),
    env: { ...gatehouseEnv(dataDir, extra), ...eldProbeEnv(eldDir) },
    port: await freePort(),
  });
  server.eldDir = eldDir;
  running.add(server);
  return server;
}

async function stop(server) {
  if (!server) return;
  await server.stop();
  running.delete(server);
}

/** A DATA_DIR with `fillers` made-up users and a real `bench` user (bcrypt at `cost`). */
async function userDataDir(label, { fillers = 0, cost = 4, extraUsers = [] } = {}) {
  const dir = tempDir(label);
  const hash = await bcrypt.hash(PASSWORD, cost);
  const [bench, ...others] = writeUsers(dir, {
    fillers,
    users: [
      { username: 'bench', passwordHash: hash },
      ...extraUsers.map((username) => ({ username, passwordHash: hash })),
    ],
  });
  return { dir, bench, others };
}

/** Logs in as `bench`, submits a 3-draft job through POST /generate and waits until it succeeded. */
async function finishedJob(server) {
  const { id, cookie, client } = await finishedJobOf(server.url, 'bench', PASSWORD);
  const page = await client.get(`/result/${id}`);
  if (page.status !== 200 || !page.text.includes('succeeded')) throw new Error(`/result/${id} answered ${page.status}`);
  return { id, cookie, pageBytes: Buffer.byteLength(page.text) };
}

// ---- 1. gated page throughput ------------------------------------------------------------------

/**
 * Three servers run at once (baseline, Gatehouse with 1 and with 2 web processes); each gets
 * `durationS` of load as `rounds` slices in mirrored order (B G1 G2, G2 G1 B, ...) so that drift in
 * the machine's load falls on all three alike. req/s = requests / seconds over all slices; p99 = the
 * worst slice's p99. CPU per request = the server's CPU time (all its processes) / requests.
 */
async function benchThroughput() {
  const plan = PLAN.throughput;
  const out = { plan };
  let baseline;
  let single;
  let cluster;
  try {
    const baselineEld = tempDir('eld-baseline');
    baseline = await startServer({
      name: 'baseline',
      script: BASELINE_MAIN,
      cwd: ROOT,
      env: { NODE_ENV: 'production', ...eldProbeEnv(baselineEld) },
      port: await freePort(),
    });
    baseline.eldDir = baselineEld;
    running.add(baseline);
    const baseClient = new Client(baseline.url, 'baseline.sid');
    if ((await baseClient.post('/login', {})).status !== 303) throw new Error('baseline login failed');
    const basePath = `/result/${crypto.randomUUID()}`;
    const basePage = await baseClient.get(basePath);
    if (basePage.status !== 200) throw new Error(`baseline page answered ${basePage.status}`);

    const singleData = await userDataDir('throughput-1');
    single = await startGatehouse('gatehouse-1', singleData.dir);
    const singleJob = await finishedJob(single);

    const clusterData = await userDataDir('throughput-2');
    cluster = await startGatehouse('gatehouse-2', clusterData.dir, { WEB_CONCURRENCY: '2' });
    const clusterJob = await finishedJob(cluster);

    const targets = [
      {
        key: 'baseline',
        server: baseline,
        url: baseline.url + basePath,
        cookie: baseClient.cookieHeader(),
        pageBytes: Buffer.byteLength(basePage.text),
      },
      {
        key: 'gatehouse1',
        server: single,
        url: `${single.url}/result/${singleJob.id}`,
        cookie: singleJob.cookie,
        pageBytes: singleJob.pageBytes,
      },
      {
        key: 'gatehouse2',
        server: cluster,
        url: `${cluster.url}/result/${clusterJob.id}`,
        cookie: clusterJob.cookie,
        pageBytes: clusterJob.pageBytes,
      },
    ];
    for (const t of targets) {
      log(`throughput: ${t.key} warm-up ${plan.warmupS}s`);
      await cannon({
        url: t.url,
        connections: plan.connections,
        headers: { cookie: t.cookie },
        duration: plan.warmupS,
      });
      t.slices = [];
    }
    const slice = plan.durationS / plan.rounds;
    for (let round = 0; round < plan.rounds; round++) {
      const order = round % 2 === 0 ? targets : [...targets].reverse();
      for (const t of order) {
        log(`throughput: ${t.key} ${slice}s x ${plan.connections} connections (slice ${round + 1}/${plan.rounds})`);
        t.slices.push(
          await measured(t.server, {
            url: t.url,
            connections: plan.connections,
            headers: { cookie: t.cookie },
            duration: slice,
          }),
        );
      }
    }
    for (const t of targets) out[t.key] = { ...combine(t.slices), pageBytes: t.pageBytes };

    // Not a target: what the gate alone costs (session from the file store, user re-read, guards,
    // helmet), with a route that does nothing else: GET /healthz carrying the session cookie.
    log(`throughput: gatehouse1 GET /healthz with the session cookie ${slice}s`);
    out.gatehouse1GateOnly = combine([
      await measured(single, {
        url: `${single.url}/healthz`,
        connections: plan.connections,
        headers: { cookie: singleJob.cookie },
        duration: slice,
      }),
    ]);
  } finally {
    await Promise.all([stop(baseline), stop(single), stop(cluster)]);
  }
  return out;
}

/**
 * One autocannon run plus the server's CPU time and event-loop delay during it (the delay of its
 * busiest process, from the preloaded bench/lib/eld-probe.js).
 */
async function measured(server, options) {
  if (server.eldDir) eldReset(server);
  const before = treeCpuSeconds(server.pid);
  const result = await cannon(options);
  const after = treeCpuSeconds(server.pid);
  const eventLoopDelayMs = server.eldDir ? await eldCollect(server, server.eldDir) : undefined;
  return {
    ...result,
    cpuSeconds: before === undefined || after === undefined ? undefined : after - before,
    eventLoopDelayMs,
  };
}

function combine(slices) {
  const requests = slices.reduce((sum, s) => sum + s.requestsTotal, 0);
  const seconds = slices.reduce((sum, s) => sum + s.durationS, 0);
  const cpu = slices.every((s) => s.cpuSeconds !== undefined)
    ? slices.reduce((sum, s) => sum + s.cpuSeconds, 0)
    : undefined;
  return {
    requestsPerSec: round(requests / seconds, 1),
    requestsTotal: requests,
    seconds: round(seconds, 2),
    latencyMs: {
      p50: Math.max(...slices.map((s) => s.latencyMs.p50)),
      p99: Math.max(...slices.map((s) => s.latencyMs.p99)),
    },
    cpuMicrosPerRequest: cpu === undefined ? null : round((cpu / requests) * 1e6, 0),
    serverCpuPercent: cpu === undefined ? null : round((cpu / seconds) * 100, 0),
    // The worse slice's, like p99; null when the probe did not answer (no /proc, no signals).
    eventLoopDelayMs: slices.every((s) => s.eventLoopDelayMs)
      ? {
          p99: Math.max(...slices.map((s) => s.eventLoopDelayMs.p99)),
          max: Math.max(...slices.map((s) => s.eventLoopDelayMs.max)),
        }
      : null,
    slices: slices.map((s) => ({
      requestsPerSec: s.requestsPerSec,
      p99: s.latencyMs.p99,
      eventLoopDelayP99: s.eventLoopDelayMs?.p99 ?? null,
    })),
  };
}

// ---- 6. postgres mode: the gated page, register and login, beside files mode ------------------

/**
 * Three sites at once, each seeded through the app itself (first admin by /admin/setup, single-use
 * invites minted on the admin panel, users registered through /register): files mode (1 process),
 * STORE=postgres (1 process), and STORE=postgres served by two "hosts" (two app processes with their
 * own DATA_DIRs on one database, one SESSION_SECRET, as behind a load balancer). Each postgres site has
 * a database of its own, created for this run on BENCH_DATABASE_URL's server or on the embedded
 * PostgreSQL of the tests. Register and login: sequential, only the POST timed (on two hosts they
 * alternate). Gated page: as part 1 (mirrored slices), the load spread over both hosts' ports.
 */
async function benchPostgres() {
  const plan = PLAN.postgres;
  const out = { plan };
  const servers = [];
  const databases = [];
  let pg;
  const closePostgres = async () => {
    await Promise.all(servers.map((s) => stop(s)));
    for (const db of databases.splice(0)) await db.drop().catch(() => undefined);
    if (pg) await pg.close();
    pg = undefined;
  };
  atCleanup.push(closePostgres);
  try {
    log(`postgres: ${process.env.BENCH_DATABASE_URL ? 'BENCH_DATABASE_URL' : 'starting the embedded PostgreSQL'}`);
    pg = await postgresServer();
    out.database = pg.embedded ? 'embedded PostgreSQL (test/postgres/embedded-server.mjs)' : 'BENCH_DATABASE_URL';
    const oneDb = await createDatabase(pg.adminUrl, 'one');
    databases.push(oneDb);
    const hostsDb = await createDatabase(pg.adminUrl, 'hosts');
    databases.push(hostsDb);

    const common = {
      REGISTER_MAX_PER_IP_HOUR: '100000',
      LOGIN_MAX_FAILURES: '1000',
      LOGIN_MAX_FAILURES_PER_IP: '100000',
    };
    const siteEnv = () => ({
      ...common,
      SESSION_SECRET: crypto.randomBytes(32).toString('hex'),
      ADMIN_SETUP_TOKEN: crypto.randomBytes(24).toString('base64url'),
    });
    const start = async (name, extra) => {
      const server = await startGatehouse(name, tempDir(name), extra);
      servers.push(server);
      return server;
    };
    const filesEnv = siteEnv();
    const oneEnv = { ...siteEnv(), STORE: 'postgres', DATABASE_URL: oneDb.url };
    const hostsEnv = { ...siteEnv(), STORE: 'postgres', DATABASE_URL: hostsDb.url };
    const sites = [
      { key: 'files', label: 'files, 1 process', env: filesEnv, hosts: [await start('files-1', filesEnv)] },
      { key: 'postgres1', label: 'STORE=postgres, 1 process', env: oneEnv, hosts: [await start('postgres-1', oneEnv)] },
      {
        key: 'postgres2',
        label: 'STORE=postgres, 2 hosts',
        env: hostsEnv,
        // Both at once: the migrations run once, under their advisory lock.
        hosts: await Promise.all([start('postgres-host-a', hostsEnv), start('postgres-host-b', hostsEnv)]),
      },
    ];

    for (const site of sites) {
      log(`postgres: seeding the ${site.label} site through the app`);
      const codes = await seedThroughApp(site, plan.registrations + plan.warmupRequests + 1);
      const url = (i) => site.hosts[i % site.hosts.length].url;
      // The user who logs in and owns the job.
      if ((await timedRegister(url(0), codes[0], 'bench')).status !== 303)
        throw new Error(`${site.key}: no bench user`);
      log(`postgres: ${site.label}: ${plan.registrations} registrations, ${plan.logins} logins (sequential)`);
      const registerTimes = [];
      for (let i = 1; i < codes.length; i++) {
        const res = await timedRegister(url(i), codes[i], `newcomer${i}`);
        if (res.status !== 303) throw new Error(`${site.key}: POST /register answered ${res.status}`);
        if (i > plan.warmupRequests) registerTimes.push(res.ms);
      }
      const loginTimes = [];
      for (let i = 0; i < plan.logins + plan.warmupRequests; i++) {
        const res = await timedLogin(url(i), 'bench');
        if (res.status !== 303) throw new Error(`${site.key}: POST /login answered ${res.status}`);
        if (i >= plan.warmupRequests) loginTimes.push(res.ms);
      }
      const job = await finishedJob(site.hosts[0]);
      site.register = stats(registerTimes);
      site.login = stats(loginTimes);
      site.target = {
        key: site.key,
        servers: site.hosts,
        urls: site.hosts.map((h) => `${h.url}/result/${job.id}`),
        cookie: job.cookie,
        pageBytes: job.pageBytes,
        slices: [],
      };
      // The job's page, as its owner, from every host (the session and the job live in the database).
      for (const u of site.target.urls) {
        const res = await timed(u, { headers: { cookie: job.cookie } });
        if (res.status !== 200) throw new Error(`${site.key}: ${u} answered ${res.status}`);
      }
      log(`postgres: ${site.label}: register p50 ${site.register.p50} ms, login p50 ${site.login.p50} ms`);
    }

    const targets = sites.map((s) => s.target);
    const load = (t, duration) => ({
      url: t.urls.length === 1 ? t.urls[0] : t.urls,
      connections: plan.connections,
      headers: { cookie: t.cookie },
      duration,
    });
    for (const t of targets) {
      log(`postgres: ${t.key} GET /result warm-up ${plan.warmupS}s`);
      await cannon(load(t, plan.warmupS));
    }
    const slice = plan.durationS / plan.rounds;
    for (let round = 0; round < plan.rounds; round++) {
      const order = round % 2 === 0 ? targets : [...targets].reverse();
      for (const t of order) {
        log(
          `postgres: ${t.key} GET /result ${slice}s x ${plan.connections} connections (slice ${round + 1}/${plan.rounds})`,
        );
        t.slices.push(await measuredOn(t.servers, load(t, slice), pg.pid));
      }
    }
    for (const site of sites) {
      const t = site.target;
      const page = combine(t.slices);
      const dbCpu = t.slices.every((s) => s.databaseCpuSeconds !== undefined)
        ? t.slices.reduce((sum, s) => sum + s.databaseCpuSeconds, 0)
        : undefined;
      out[site.key] = {
        label: site.label,
        processes: site.hosts.length,
        page: {
          ...page,
          pageBytes: t.pageBytes,
          databaseCpuMicrosPerRequest:
            site.key === 'files' || dbCpu === undefined ? null : round((dbCpu / page.requestsTotal) * 1e6, 0),
        },
        register: site.register,
        login: site.login,
      };
    }
  } finally {
    await closePostgres();
    atCleanup.splice(atCleanup.indexOf(closePostgres), 1);
  }
  return out;
}

/** measured() over a site's processes: CPU of them all (and of the database server, when known). */
async function measuredOn(servers, options, databasePid) {
  for (const s of servers) eldReset(s);
  const cpuOf = () => {
    const each = servers.map((s) => treeCpuSeconds(s.pid));
    return each.some((c) => c === undefined) ? undefined : each.reduce((a, b) => a + b, 0);
  };
  const before = cpuOf();
  const dbBefore = databasePid ? treeCpuSeconds(databasePid, { withReaped: true }) : undefined;
  const result = await cannon(options);
  const after = cpuOf();
  const dbAfter = databasePid ? treeCpuSeconds(databasePid, { withReaped: true }) : undefined;
  const delays = [];
  for (const s of servers) delays.push(await eldCollect(s, s.eldDir));
  return {
    ...result,
    cpuSeconds: before === undefined || after === undefined ? undefined : after - before,
    databaseCpuSeconds: dbBefore === undefined || dbAfter === undefined ? undefined : dbAfter - dbBefore,
    eventLoopDelayMs: delays.every(Boolean)
      ? { p99: Math.max(...delays.map((d) => d.p99)), max: Math.max(...delays.map((d) => d.max)) }
      : undefined,
  };
}

/**
 * The first admin (by /admin/setup with the setup token) mints `count` single-use invites on the admin
 * panel; returns their codes.
 */
async function seedThroughApp(site, count) {
  const host = site.hosts[0].url;
  const admin = new Client(host);
  const token = site.env.ADMIN_SETUP_TOKEN;
  const setupCsrf = await admin.csrf(`/admin/setup?token=${encodeURIComponent(token)}`);
  const setup = await admin.post('/admin/setup', { username: 'root', password: PASSWORD, token, _csrf: setupCsrf });
  if (setup.status !== 303) throw new Error(`${site.key}: /admin/setup answered ${setup.status}`);
  const csrf = await admin.csrf('/account/password');
  const codes = [];
  for (let i = 0; i < count; i++) {
    const code = `bench-${site.key}-${i}-${crypto.randomBytes(6).toString('hex')}`;
    const res = await admin.post('/admin/invites', { code, maxUses: '1', note: 'bench', _csrf: csrf });
    if (res.status !== 303) throw new Error(`${site.key}: minting an invite answered ${res.status}`);
    codes.push(code);
  }
  return codes;
}

/** GET /register?code= with a fresh client, then the timed POST /register (as part 3). */
async function timedRegister(base, code, username) {
  const form = await timed(`${base}/register?code=${code}`);
  const cookies = [].concat(form.headers['set-cookie'] || []).map((c) => c.split(';')[0]);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)?.[1];
  if (cookies.length === 0 || !csrf) throw new Error(`GET /register gave no cookie or CSRF token (${form.status})`);
  return timed(`${base}/register`, {
    method: 'POST',
    headers: { cookie: cookies.join('; ') },
    form: { username, password: PASSWORD, inviteCode: code, _csrf: csrf },
  });
}

/** GET /login with a fresh client, then the timed POST /login with the right password. */
async function timedLogin(base, username) {
  const form = await timed(`${base}/login`);
  const cookies = [].concat(form.headers['set-cookie'] || []).map((c) => c.split(';')[0]);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)?.[1];
  if (cookies.length === 0 || !csrf) throw new Error(`GET /login gave no cookie or CSRF token (${form.status})`);
  return timed(`${base}/login`, {
    method: 'POST',
    headers: { cookie: cookies.join('; ') },
    form: { username, password: PASSWORD, _csrf: csrf },
  });
}

// ---- 2. event loop under a login storm -------------------------------------------------------

async function benchLoginStorm() {
  const plan = PLAN.login;
  const names = Array.from({ length: plan.clients }, (_, i) => `stormer${String(i + 1).padStart(2, '0')}`);
  const data = await userDataDir('login', { cost: plan.bcryptCost, extraUsers: names });
  let server;
  try {
    server = await startGatehouse('gatehouse-login', data.dir, {
      BCRYPT_COST: String(plan.bcryptCost),
      LOGIN_MAX_FAILURES: '1000',
      LOGIN_MAX_FAILURES_PER_IP: '100000',
      // Each client comes from its own address (X-Forwarded-For, believed from loopback only): one IP may
      // have only a few password checks in flight at once (src/auth/throttling/in-flight-checks.ts).
      TRUST_PROXY: 'loopback',
    });
    const probe = { url: `${server.url}/healthz`, connections: 1, overallRate: plan.probeRate };
    log(`login storm: idle /healthz probe ${plan.probeS}s`);
    await cannon({ ...probe, duration: 1 });
    const idle = await cannon({ ...probe, duration: plan.probeS });
    const member = new Client(server.url);
    await member.login('bench', PASSWORD);
    const pageIdle = await cannon({
      url: `${server.url}/jobs`,
      connections: 1,
      overallRate: plan.probeRate,
      duration: plan.pageProbeS,
      headers: { cookie: member.cookieHeader() },
    });

    // Each client keeps its own session and posts the login form in a loop (a login renews the CSRF
    // token, so each round reads the form first, as a browser would).
    const clients = names.map((name, i) => ({
      name,
      client: new Client(server.url, undefined, { 'x-forwarded-for': `198.51.100.${i + 1}` }),
    }));
    let stopStorm = false;
    const storm = { ok: 0, failed: 0, statuses: {}, latencies: [] };
    const loops = clients.map(async ({ name, client }) => {
      while (!stopStorm) {
        const csrf = await client.csrf('/login');
        const started = Date.now();
        const res = await client.post('/login', { username: name, password: PASSWORD, _csrf: csrf });
        storm.statuses[res.status] = (storm.statuses[res.status] || 0) + 1;
        if (res.status === 303) {
          storm.ok++;
          storm.latencies.push(Date.now() - started);
        } else storm.failed++;
      }
    });
    log(
      `login storm: ${plan.clients} clients logging in (BCRYPT_COST=${plan.bcryptCost}); /healthz probe ${plan.probeS}s`,
    );
    await sleep(plan.rampS * 1000);
    const okBefore = storm.ok;
    const probeStarted = Date.now();
    const during = await cannon({ ...probe, duration: plan.probeS });
    const loginsDuringProbe = storm.ok - okBefore;
    const probeSeconds = (Date.now() - probeStarted) / 1000;
    // Not a target: does the storm slow down pages of users who are already logged in?
    log(`login storm: authenticated page probe ${plan.pageProbeS}s`);
    const pageDuring = await cannon({
      url: `${server.url}/jobs`,
      connections: 1,
      overallRate: plan.probeRate,
      duration: plan.pageProbeS,
      headers: { cookie: member.cookieHeader() },
    });
    stopStorm = true;
    await Promise.all(loops);
    if (storm.failed > 0)
      throw new Error(`login storm: ${storm.failed} logins failed (${JSON.stringify(storm.statuses)})`);
    return {
      plan,
      idle,
      during,
      pageIdle,
      pageDuring,
      logins: {
        ok: storm.ok,
        failed: storm.failed,
        perSecond: round(loginsDuringProbe / probeSeconds, 1),
        latencyMs: stats(storm.latencies),
      },
    };
  } finally {
    await stop(server);
  }
}

// ---- 3. store growth -------------------------------------------------------------------------

async function benchStoreGrowth(dirs) {
  const plan = PLAN.store;
  const out = { plan, sizes: {} };
  for (const size of plan.sizes) {
    const data = dirs.get(size) ?? (await storeDir(size));
    const codes = writeInvites(data.dir, plan.registrations + plan.warmupRequests);
    let server;
    try {
      server = await startGatehouse(`gatehouse-${size}`, data.dir, { REGISTER_MAX_PER_IP_HOUR: '100000' });
      const client = new Client(server.url);
      await client.login('bench', PASSWORD);
      const cookie = client.cookieHeader();

      // Authenticated page: sequential requests on one kept-alive connection (no queueing in the figure).
      const pageUrl = `${server.url}/jobs`;
      const pageTimes = [];
      for (let i = 0; i < plan.pageRequests + 50; i++) {
        const res = await timed(pageUrl, { headers: { cookie } });
        if (res.status !== 200) throw new Error(`GET /jobs answered ${res.status} with ${size} users`);
        if (i >= 50) pageTimes.push(res.ms);
      }

      // Registrations: each with its own invite and fresh session; only the POST is timed.
      const registerTimes = [];
      const budgetEnd = Date.now() + plan.registrationBudgetS * 1000;
      for (let i = 0; i < codes.length; i++) {
        const form = await timed(`${server.url}/register?code=${codes[i]}`);
        // Since issue 13 an anonymous form has no session: its CSRF token is bound to a pre-login cookie.
        const cookies = [].concat(form.headers['set-cookie'] || []).map((c) => c.split(';')[0]);
        const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)?.[1];
        if (cookies.length === 0 || !csrf)
          throw new Error(`GET /register gave no cookie or CSRF token (${form.status})`);
        const res = await timed(`${server.url}/register`, {
          method: 'POST',
          headers: { cookie: cookies.join('; ') },
          form: { username: `newcomer${size}x${i}`, password: PASSWORD, inviteCode: codes[i], _csrf: csrf },
        });
        if (res.status !== 303) throw new Error(`POST /register answered ${res.status} with ${size} users`);
        if (i >= plan.warmupRequests) registerTimes.push(res.ms);
        if (i >= plan.warmupRequests + 10 && Date.now() > budgetEnd) break;
      }
      out.sizes[size] = {
        users: size,
        usersFileBytes: fs.statSync(path.join(data.dir, 'users.json')).size,
        startupMs: round(server.startupMs, 0),
        page: stats(pageTimes),
        register: stats(registerTimes),
      };
      log(
        `store: ${size} users: page p50 ${out.sizes[size].page.p50} ms, register p50 ${out.sizes[size].register.p50} ms ` +
          `(${registerTimes.length} registrations)`,
      );
    } finally {
      await stop(server);
    }
  }
  return out;
}

/** users.json with `size` users in total (size - 1 fillers + `bench`). */
async function storeDir(size) {
  log(`seeding users.json with ${size} users`);
  return userDataDir(`users-${size}`, { fillers: size - 1 });
}

// ---- 4. zip streaming --------------------------------------------------------------------------

async function benchZip() {
  const plan = PLAN.zip;
  const data = await userDataDir('zip');
  log(`zip: writing ${plan.files} x ${plan.fileBytes / 1024 / 1024} MiB of artifacts`);
  const job = writeBigJob(data.dir, data.bench, plan);
  let server;
  try {
    server = await startGatehouse('gatehouse-zip', data.dir);
    const client = new Client(server.url);
    await client.login('bench', PASSWORD);
    const cookie = client.cookieHeader();
    const page = await client.get(`/result/${job.id}`);
    if (page.status !== 200) throw new Error(`/result of the big job answered ${page.status}`);
    await sleep(1000);
    const idleSampler = sampleRss(server.pid, plan.sampleMs);
    await sleep(1000);
    const idle = idleSampler.stop();
    const before = percentile(idle.samples, 50);

    log('zip: downloading');
    const sampler = sampleRss(server.pid, plan.sampleMs);
    const started = Date.now();
    const download = await downloadZip(`${server.url}/download/${job.id}.zip`, cookie);
    const seconds = (Date.now() - started) / 1000;
    const rss = sampler.stop();
    if (download.status !== 200) throw new Error(`zip download answered ${download.status}`);
    if (!download.complete) throw new Error('zip download is not a complete zip (no end-of-central-directory record)');
    return {
      plan,
      artifactsBytes: job.totalBytes,
      zipBytes: download.bytes,
      seconds: round(seconds, 2),
      mibPerSecond: round(job.totalBytes / 1024 / 1024 / seconds, 1),
      rssBeforeMiB: mib(before),
      rssPeakMiB: mib(rss.peak),
      rssGrowthMiB: mib(rss.peak - before),
      samples: rss.count,
    };
  } finally {
    await stop(server);
  }
}

/** Streams the body away, keeping only its size and last bytes (to check the zip's end record). */
function downloadZip(url, cookie) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { cookie } }, (res) => {
        let bytes = 0;
        let tail = Buffer.alloc(0);
        res.on('data', (chunk) => {
          bytes += chunk.length;
          tail = Buffer.concat([tail, chunk]).subarray(-64);
        });
        res.on('end', () => {
          const eocd = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
          resolve({ status: res.statusCode, bytes, complete: eocd !== -1 });
        });
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

function mib(bytes) {
  return round(bytes / 1024 / 1024, 1);
}

// ---- 5. start-up time --------------------------------------------------------------------------

async function benchStartup(bigDir) {
  const plan = PLAN.startup;
  const measure = async (label, dirFor) => {
    const times = [];
    for (let i = 0; i < plan.runs; i++) {
      const server = await startGatehouse(`startup-${label}`, dirFor(i));
      times.push(server.startupMs);
      await stop(server);
    }
    return { runs: times.map((t) => round(t, 0)), medianMs: round(percentile(times, 50), 0) };
  };
  log(`startup: empty DATA_DIR x ${plan.runs}`);
  const empty = await measure('empty', () => tempDir('empty'));
  log(`startup: ${plan.users} users x ${plan.runs}`);
  const big = await measure(`${plan.users}`, () => bigDir.dir);
  return {
    plan,
    empty,
    withUsers: { ...big, users: plan.users, usersFileBytes: fs.statSync(path.join(bigDir.dir, 'users.json')).size },
  };
}

// ---- report ------------------------------------------------------------------------------------

function buildRows(r) {
  const rows = [];
  const row = (figure, value, reference, met) => rows.push({ figure, value, reference, met });
  if (r.throughput) {
    const { baseline, gatehouse1, gatehouse2, gatehouse1GateOnly: gate } = r.throughput;
    const ratio = gatehouse1.requestsPerSec / baseline.requestsPerSec;
    const scaling = gatehouse2.requestsPerSec / gatehouse1.requestsPerSec;
    const clusterRatio = gatehouse2.requestsPerSec / baseline.requestsPerSec;
    const p99Ratio = gatehouse1.latencyMs.p99 / baseline.latencyMs.p99;
    const cpu = (x) =>
      (x.cpuMicrosPerRequest === null ? '' : `, ${x.cpuMicrosPerRequest} us CPU/req`) +
      (x.eventLoopDelayMs ? `, loop delay p99 ${x.eventLoopDelayMs.p99} ms` : '');
    row(
      'GET /result, baseline app',
      `${baseline.requestsPerSec} req/s, p99 ${baseline.latencyMs.p99} ms${cpu(baseline)}`,
      'reference',
      null,
    );
    row(
      'GET /result, Gatehouse, 1 process',
      `${gatehouse1.requestsPerSec} req/s = ${round(ratio, 2)} x baseline, p99 ${gatehouse1.latencyMs.p99} ms${cpu(gatehouse1)}` +
        (gatehouse1.cpuMicrosPerRequest && baseline.cpuMicrosPerRequest
          ? ` (CPU/req ${round(gatehouse1.cpuMicrosPerRequest / baseline.cpuMicrosPerRequest, 2)} x baseline)`
          : ''),
      `>= ${TARGETS.throughputVsBaseline} x baseline (${round(baseline.requestsPerSec * TARGETS.throughputVsBaseline, 0)} req/s)`,
      ratio >= TARGETS.throughputVsBaseline,
    );
    row(
      'GET /result p99, Gatehouse 1 process vs baseline',
      `${gatehouse1.latencyMs.p99} ms = ${round(p99Ratio, 2)} x baseline's ${baseline.latencyMs.p99} ms`,
      `<= ${TARGETS.p99VsBaseline} x baseline p99 (${round(baseline.latencyMs.p99 * TARGETS.p99VsBaseline, 0)} ms)`,
      p99Ratio <= TARGETS.p99VsBaseline,
    );
    row(
      'GET /result, Gatehouse, WEB_CONCURRENCY=2',
      `${gatehouse2.requestsPerSec} req/s = ${round(clusterRatio, 2)} x baseline (${round(scaling, 2)} x 1 process), p99 ${gatehouse2.latencyMs.p99} ms${cpu(gatehouse2)}`,
      `>= ${TARGETS.clusterVsBaseline} x baseline (1 process, ${round(baseline.requestsPerSec * TARGETS.clusterVsBaseline, 0)} req/s)`,
      clusterRatio >= TARGETS.clusterVsBaseline,
    );
    if (gate) {
      row(
        'GET /healthz with a session, Gatehouse, 1 process (the gate alone)',
        `${gate.requestsPerSec} req/s, p99 ${gate.latencyMs.p99} ms${cpu(gate)}`,
        'reported (no target)',
        null,
      );
    }
  }
  if (r.loginStorm) {
    const { idle, during, logins, plan } = r.loginStorm;
    row('GET /healthz p99, idle', `${idle.latencyMs.p99} ms`, 'reference', null);
    row(
      `GET /healthz p99, ${plan.clients} clients logging in (cost ${plan.bcryptCost})`,
      `${during.latencyMs.p99} ms (${logins.perSecond} logins/s, login p50 ${logins.latencyMs.p50} ms)`,
      `< ${TARGETS.healthzP99Ms} ms`,
      during.latencyMs.p99 < TARGETS.healthzP99Ms,
    );
    row(
      'GET /jobs (logged in) p99, idle -> during the login storm',
      `${r.loginStorm.pageIdle.latencyMs.p99} -> ${r.loginStorm.pageDuring.latencyMs.p99} ms`,
      'reported (no target)',
      null,
    );
  }
  if (r.storeGrowth) {
    const sizes = Object.values(r.storeGrowth.sizes);
    const first = sizes[0];
    for (const s of sizes) {
      const is10k = s.users === 10_000;
      row(
        `POST /register p50 / p99, ${s.users} users`,
        `${s.register.p50} / ${s.register.p99} ms`,
        is10k ? `p50 < ${TARGETS.register10kP50Ms} ms` : 'reference',
        is10k ? s.register.p50 < TARGETS.register10kP50Ms : null,
      );
    }
    for (const s of sizes) {
      const isFirst = s === first;
      const limit = round(first.page.p50 * TARGETS.pageFlatRatio, 2);
      row(
        `GET /jobs p50 / p99, ${s.users} users`,
        `${s.page.p50} / ${s.page.p99} ms`,
        isFirst ? 'reference (flat: others p50 within 25%)' : `p50 <= ${limit} ms`,
        isFirst ? null : s.page.p50 <= limit,
      );
    }
  }
  if (r.zip) {
    const z = r.zip;
    row(
      `Zip download of ${mib(z.artifactsBytes)} MiB: server RSS growth`,
      `${z.rssGrowthMiB} MiB (${z.rssBeforeMiB} -> ${z.rssPeakMiB} MiB, ${z.mibPerSecond} MiB/s)`,
      `< ${TARGETS.zipRssGrowthMiB} MiB`,
      z.rssGrowthMiB < TARGETS.zipRssGrowthMiB,
    );
  }
  if (r.startup) {
    const s = r.startup;
    row('Start-up to /healthz, empty DATA_DIR (median)', `${s.empty.medianMs} ms`, 'reference', null);
    row(
      `Start-up to /healthz, ${s.withUsers.users} users (median)`,
      `${s.withUsers.medianMs} ms (${signed(s.withUsers.medianMs - s.empty.medianMs)} ms)`,
      'reported (no target)',
      null,
    );
  }
  if (r.postgres) {
    const { files, postgres1, postgres2 } = r.postgres;
    const cpu = (p) =>
      (p.cpuMicrosPerRequest === null ? '' : `, ${p.cpuMicrosPerRequest} us app CPU/req`) +
      (p.databaseCpuMicrosPerRequest ? ` + ${p.databaseCpuMicrosPerRequest} us database CPU/req` : '') +
      (p.eventLoopDelayMs ? `, loop delay p99 ${p.eventLoopDelayMs.p99} ms` : '');
    row(
      'GET /result, files mode, 1 process (postgres part)',
      `${files.page.requestsPerSec} req/s, p99 ${files.page.latencyMs.p99} ms${cpu(files.page)}`,
      'reference',
      null,
    );
    row(
      'GET /result, STORE=postgres, 1 process',
      `${postgres1.page.requestsPerSec} req/s = ${round(postgres1.page.requestsPerSec / files.page.requestsPerSec, 2)} x files, ` +
        `p99 ${postgres1.page.latencyMs.p99} ms${cpu(postgres1.page)}`,
      'reported (no target)',
      null,
    );
    row(
      'GET /result, STORE=postgres, 2 hosts on one database',
      `${postgres2.page.requestsPerSec} req/s = ${round(postgres2.page.requestsPerSec / postgres1.page.requestsPerSec, 2)} x 1 process, ` +
        `p99 ${postgres2.page.latencyMs.p99} ms${cpu(postgres2.page)}`,
      'reported (no target)',
      null,
    );
    for (const site of [files, postgres1, postgres2]) {
      row(
        `POST /register p50 / p99, ${site.label}`,
        `${site.register.p50} / ${site.register.p99} ms`,
        'reported',
        null,
      );
    }
    for (const site of [files, postgres1, postgres2]) {
      row(`POST /login p50 / p99, ${site.label}`, `${site.login.p50} / ${site.login.p99} ms`, 'reported', null);
    }
  }
  return rows;
}

function signed(n) {
  return n >= 0 ? `+${n}` : `${n}`;
}

function formatTable(rows) {
  const cells = rows.map((r) => [r.figure, r.value, r.reference, r.met === null ? '-' : r.met ? 'met' : 'MISSED']);
  const header = ['Figure', 'Value', 'Baseline / target', 'Met?'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) => `| ${c.map((v, i) => v.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

function machine() {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: round(os.totalmem() / 1024 ** 3, 1),
    loadAverageAtStart: os.loadavg().map((l) => round(l, 2)),
  };
}

async function main() {
  if (!fs.existsSync(DIST_MAIN)) throw new Error('dist/main.js is missing: run `npm run build` (npm run bench does)');
  const began = Date.now();
  const results = { date: new Date().toISOString(), quick: QUICK, machine: machine(), targets: TARGETS };
  log(
    `${results.machine.cpuModel}, ${results.machine.cores} cores, node ${results.machine.node}${QUICK ? ' (quick)' : ''}`,
  );

  if (wanted('throughput')) results.throughput = await benchThroughput();
  if (wanted('login')) results.loginStorm = await benchLoginStorm();
  const dirs = new Map();
  if (wanted('startup') || wanted('store')) {
    const size = PLAN.startup.users;
    dirs.set(size, await storeDir(size));
  }
  if (wanted('startup')) results.startup = await benchStartup(dirs.get(PLAN.startup.users));
  if (wanted('store')) results.storeGrowth = await benchStoreGrowth(dirs);
  if (wanted('zip')) results.zip = await benchZip();
  if (wanted('postgres')) results.postgres = await benchPostgres();

  results.durationS = round((Date.now() - began) / 1000, 1);
  results.machine.loadAverageAtEnd = os.loadavg().map((l) => round(l, 2));
  results.rows = buildRows(results);
  results.summary = {
    met: results.rows.filter((r) => r.met === true).length,
    missed: results.rows.filter((r) => r.met === false).map((r) => r.figure),
  };
  const table = formatTable(results.rows);
  const m = results.machine;
  process.stdout.write(
    `\n${table}\n\nMachine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.platform}, node ${m.node}. ` +
      `Load average ${m.loadAverageAtStart[0]} at start, ${m.loadAverageAtEnd[0]} at the end. Run took ${results.durationS} s.\n`,
  );
  if (m.loadAverageAtStart[0] > 0.5) {
    process.stdout.write('Note: other processes were busy when the run started; absolute figures are noisier.\n');
  }
  if (QUICK) process.stdout.write('(--quick: short runs and small sizes; not written to bench/results.json)\n');
  else if (ONLY.length > 0) process.stdout.write('(--only: partial run; not written to bench/results.json)\n');
  else {
    fs.writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`Wrote ${path.relative(ROOT, RESULTS_FILE)}\n`);
  }
}

async function cleanup() {
  await Promise.all([...running].map((s) => s.stop().catch(() => undefined)));
  for (const step of atCleanup.splice(0)) await step().catch(() => undefined);
  if (!KEEP) for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
  else if (tempDirs.length) log(`kept ${tempDirs.join(' ')}`);
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    log(`${signal}: stopping servers`);
    cleanup().finally(() => process.exit(130));
  });
}

main()
  .then(cleanup)
  .catch(async (error) => {
    process.stderr.write(`bench failed: ${error.stack || error}\n`);
    for (const server of running) {
      process.stderr.write(`--- last output of ${server.name}:\n${server.output().slice(-3000)}\n`);
    }
    await cleanup();
    process.exit(1);
  });
