'use strict';
/**
 * `node bench/profile.js`: where a gated page's CPU goes. Starts one Gatehouse (NODE_ENV=production,
 * WEB_CONCURRENCY=1, temp DATA_DIR) under `node --cpu-prof`, logs in as the bench user, creates a
 * finished 3-draft job, puts autocannon load on `GET /result/<id>` (or --path) for a few seconds, stops
 * the server (the profile is written on exit) and prints self time grouped by stage (package or source
 * file) and the top functions, per request.
 *
 * Options: --seconds=N (load, default 6)  --connections=N (default 50)  --path=/healthz (the gate alone)
 *          --dist=<folder> (another build)  --keep (keep the .cpuprofile, path printed)  --top=N
 *          --baseline (profile the floor, bench/baseline/, the same way)  --groups (each stage's group)
 *          --store=postgres (STORE=postgres on the embedded PostgreSQL of the tests, or BENCH_DATABASE_URL's)
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { freePort, startServer, treeCpuSeconds } = require('./lib/procs');
const { Client } = require('./lib/client');
const { cannon, round } = require('./lib/load');
const { spawnSync } = require('node:child_process');
const { option, flag } = require('./lib/args');
const { postgresServer, createDatabase } = require('./lib/postgres');
const { PASSWORD, gatehouseEnv, benchDataDir, finishedJob } = require('./lib/gatehouse');

const ROOT = path.resolve(__dirname, '..');
const BASELINE = flag('baseline');
const DIST_MAIN = BASELINE
  ? path.join(__dirname, 'baseline', 'main.js')
  : path.resolve(option('dist', path.join(ROOT, 'dist')), 'main.js');
const SECONDS = Number(option('seconds', '6'));
const CONNECTIONS = Number(option('connections', '50'));
const TOP = Number(option('top', '30'));
const GROUPS = flag('groups');

async function main() {
  const dataDir = await benchDataDir('gatehouse-profile-');
  const profDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-cpuprof-'));
  const store = option('store', 'files') === 'postgres' ? await postgresSite(dataDir) : undefined;
  const server = await startServer({
    name: 'gatehouse',
    script: DIST_MAIN,
    cwd: path.dirname(path.dirname(DIST_MAIN)),
    nodeArgs: [
      '--cpu-prof',
      `--cpu-prof-dir=${profDir}`,
      '--cpu-prof-interval=250',
      ...(flag('trace-gc') ? ['--trace-gc'] : []),
    ],
    env: gatehouseEnv(dataDir, { WEB_CONCURRENCY: option('workers', '1'), ...store?.env }),
    port: await freePort(),
  }).catch(async (error) => {
    await store?.close();
    throw error;
  });
  let result;
  let loadStartUs = 0;
  try {
    let target;
    let headers;
    let id = '';
    if (BASELINE) {
      // The floor's login just sets the session; its page is /result/<any id>.
      const client = new Client(server.url, 'baseline.sid');
      if ((await client.post('/login', {})).status !== 303) throw new Error('baseline login failed');
      id = 'bench-job';
      target = option('path', `/result/${id}`);
      headers = { cookie: client.cookieHeader() };
    } else {
      const job = await finishedJob(server.url, 'bench', PASSWORD);
      id = job.id;
      target = option('path', `/result/${id}`);
      headers = { cookie: job.cookie };
    }
    await cannon({ url: server.url + target, connections: CONNECTIONS, headers, duration: 1 });
    // CLOCK_MONOTONIC in µs, the clock of the profile's timestamps: samples before this are start-up.
    loadStartUs = Number(process.hrtime.bigint() / 1000n);
    const cpuBefore = treeCpuSeconds(server.pid);
    result = await cannon({ url: server.url + target, connections: CONNECTIONS, headers, duration: SECONDS });
    const cpu = treeCpuSeconds(server.pid) - cpuBefore;
    process.stdout.write(
      `GET ${target.replace(id, '<id>')}: ${result.requestsPerSec} req/s, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms, ` +
        `server CPU ${round((cpu / result.requestsTotal) * 1e6, 0)} us/request (all its processes, from /proc)\n`,
    );
  } finally {
    await server.stop();
    await store?.close();
    if (flag('errors')) {
      const lines = server
        .output()
        .split('\n')
        .filter((l) => !/\[Access\]|"context":"Access"/.test(l));
      process.stdout.write(`${lines.slice(-40).join('\n')}\n`);
    }
  }
  if (flag('trace-gc')) gcSummary(server.output());
  // One profile per process (with --workers=N: the primary and each worker); the busiest is the one shown.
  const files = fs.readdirSync(profDir).filter((name) => name.endsWith('.cpuprofile'));
  if (files.length === 0) throw new Error('no .cpuprofile written');
  const profiles = files.map((name) => JSON.parse(fs.readFileSync(path.join(profDir, name), 'utf8')));
  const busyOf = (profile) => {
    const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
    let us = 0;
    let t = profile.startTime;
    for (let i = 0; i < profile.samples.length; i++) {
      t += profile.timeDeltas[i] || 0;
      if (t >= loadStartUs && !idle.has(profile.samples[i])) us += profile.timeDeltas[i + 1] || 0;
    }
    return us;
  };
  if (profiles.length > 1) {
    process.stdout.write(
      `busy per process during the load (s): ${profiles.map((p) => round(busyOf(p) / 1e6, 2)).join(', ')}\n`,
    );
  }
  const busiest = profiles.reduce((a, b) => (busyOf(b) > busyOf(a) ? b : a));
  summarise(busiest, files.length > 1 ? result.requestsTotal / (files.length - 1) : result.requestsTotal, loadStartUs);
  if (flag('keep')) process.stdout.write(`profiles: ${profDir}\n`);
  else fs.rmSync(profDir, { recursive: true, force: true });
  fs.rmSync(dataDir, { recursive: true, force: true });
}

/**
 * --store=postgres: the embedded PostgreSQL of the tests (or BENCH_DATABASE_URL's server), a new database,
 * and the bench user of `dataDir` moved into it by the CLI's `import-files`. Returns the server's env.
 */
async function postgresSite(dataDir) {
  const pg = await postgresServer();
  const db = await createDatabase(pg.adminUrl, 'profile');
  const env = { STORE: 'postgres', DATABASE_URL: db.url };
  const close = async () => {
    await db.drop().catch(() => undefined);
    await pg.close();
  };
  const cli = path.join(path.dirname(DIST_MAIN), 'cli.js');
  const imported = spawnSync(process.execPath, [cli, 'import-files', '--from', dataDir], {
    env: { PATH: process.env.PATH || '', ...gatehouseEnv(dataDir), ...env },
    encoding: 'utf8',
  });
  if (imported.status !== 0) {
    await close();
    throw new Error(`import-files failed:\n${imported.stdout}${imported.stderr}`);
  }
  return { env, close };
}

/** --trace-gc lines: how many scavenges and mark-compacts, their total and longest pauses. */
function gcSummary(output) {
  const kinds = new Map();
  for (const match of output.matchAll(
    /\] +(Scavenge|Mark-Compact|Mark-sweep|Mark-Compact \(reduce\)|Minor Mark-Sweep)[^,]*?, ([\d.]+) \/ ([\d.]+) ms/g,
  )) {
    const kind = kinds.get(match[1]) || { count: 0, totalMs: 0, maxMs: 0 };
    const ms = Number(match[2]);
    kind.count++;
    kind.totalMs += ms;
    kind.maxMs = Math.max(kind.maxMs, ms);
    kinds.set(match[1], kind);
  }
  for (const [kind, k] of kinds) {
    process.stdout.write(`GC ${kind}: ${k.count} pauses, ${round(k.totalMs, 1)} ms in all, longest ${k.maxMs} ms\n`);
  }
}

/** Coarse groups of stages for the per-stage table in bench/README.md. */
function groupOf(stage) {
  const native = stage.startsWith('(native) ') ? stage.slice(9) : '';
  if (/^(openFileHandle|close|fstat|read|readFileUtf8|stat|lstat|open)$/.test(native) || /internal\/fs/.test(stage)) {
    return 'file system (reads, stats; fs/promises round trips)';
  }
  if (/async_hooks/.test(stage)) return 'async hooks (AsyncLocalStorage promise hooks)';
  if (stage === '(garbage collector)') return 'garbage collector';
  if (/^(express-session|cookie|cookie-signature|uid-safe)$/.test(stage) || /crypto/.test(stage)) {
    return 'session middleware (express-session, cookie HMAC, session hash)';
  }
  if (/^(handlebars|hbs)$/.test(stage) || /view-engine/.test(stage)) return 'views (handlebars, hbs, helpers)';
  if (stage === 'helmet') return 'helmet';
  if (/logging|@nestjs\/common/.test(stage)) return 'Nest common (logger, pipes) and access log';
  if (/^app: (generation|users|persistence)/.test(stage)) return 'app: jobs, drafts, stores';
  if (/^app: /.test(stage)) return 'app: auth, guards, other';
  if (
    /^(express|router|@nestjs\/core|@nestjs\/platform-express|path-to-regexp|body-parser|parseurl|content-type|finalhandler|send|etag|fresh|mime-types|type-is|qs|debug|depd|on-finished|reflect-metadata|rxjs)$/.test(
      stage,
    )
  ) {
    return 'framework (express, router, Nest core)';
  }
  if (
    /^node:(_http|net|internal\/stream|stream|buffer|events|internal\/http)/.test(stage) ||
    /^(writev|writeUtf8String|writeBuffer)$/.test(native)
  ) {
    return 'HTTP and sockets (node:http, streams, writes)';
  }
  if (stage === '(program)') return '(program): native work outside JS';
  return 'other';
}

/** Stage of a frame: a package under node_modules, a file of dist/, node's internals, GC, idle. */
function stageOf(frame) {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : `(native) ${functionName}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const dist = /\/dist\/(.+)$/.exec(url);
  if (dist) return `app: ${dist[1]}`;
  if (url.startsWith('node:')) return url;
  return url;
}

/**
 * Self time by stage and by function, in µs per request, over the samples taken during the measured
 * load only (start-up, login, the job and the warm-up are cut off by timestamp; the shutdown after
 * the load is idle or tiny).
 */
function summarise(profile, requests, fromUs) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += dt[i] || 0;
    const next = dt[i + 1] || 0; // a sample's time runs until the next one
    if (t < fromUs) continue;
    const id = profile.samples[i];
    self.set(id, (self.get(id) || 0) + next);
  }
  const stages = new Map();
  const functions = new Map();
  let total = 0;
  for (const [id, us] of self) {
    const frame = byId.get(id).callFrame;
    if (frame.functionName === '(idle)') continue;
    total += us;
    const stage = stageOf(frame);
    stages.set(stage, (stages.get(stage) || 0) + us);
    const fn = `${frame.functionName || '(anonymous)'} ${stage}:${frame.lineNumber + 1}`;
    functions.set(fn, (functions.get(fn) || 0) + us);
  }
  const per = (us) => round(us / requests, 1);
  const groups = new Map();
  for (const [stage, us] of stages) {
    const group = groupOf(stage);
    groups.set(group, (groups.get(group) || 0) + us);
  }
  process.stdout.write('\nby group (us per request, share of busy time):\n');
  for (const [group, us] of [...groups].sort((a, b) => b[1] - a[1])) {
    process.stdout.write(
      `  ${String(per(us)).padStart(8)}  ${String(round((us / total) * 100, 1)).padStart(5)} %  ${group}\n`,
    );
  }
  process.stdout.write(`\nbusy CPU ${round(total / 1e6, 2)} s over ${requests} requests: ${per(total)} us/request\n`);
  process.stdout.write('\nself time by stage (us per request):\n');
  for (const [stage, us] of [...stages].sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
    process.stdout.write(`  ${String(per(us)).padStart(8)}  ${stage}${GROUPS ? `   [${groupOf(stage)}]` : ''}\n`);
  }
  process.stdout.write('\ntop functions by self time (us per request):\n');
  for (const [fn, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
    process.stdout.write(`  ${String(per(us)).padStart(8)}  ${fn}\n`);
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exitCode = 1;
});
