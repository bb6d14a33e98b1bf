'use strict';
/**
 * `node bench/ab.js --dist=<a>,<b>[,...]`: builds of Gatehouse side by side against the floor
 * (bench/baseline/), for trying one change at a time on a noisy machine. Every server runs at once
 * (1 process, NODE_ENV=production, its own temp DATA_DIR); each round gives every server `--seconds`
 * of load on its gated page (`GET /result/<id>` of a finished 3-draft job, 50 connections), in an
 * order that turns round each time, so drift in the machine's load falls on all alike. Prints, per
 * server, the median over rounds of req/s and of CPU per request (its processes, from /proc), and
 * both as a ratio to the floor's in the same rounds.
 *
 * Options: --dist=<folder>[,<folder>...] (default: ./dist; `<folder>#<node flags>` runs that build with
 *          flags, e.g. `dist#--max-semi-space-size=32`, to try a V8 setting beside the same build without)
 *          --rounds=N (default 6)  --seconds=N (default 4)
 *          --path=/healthz (another path than the page, the cookie still sent)
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { freePort, startServer, treeCpuSeconds } = require('./lib/procs');
const { startFloor } = require('./lib/floor');
const { cannon, round } = require('./lib/load');
const { option } = require('./lib/args');
const { PASSWORD, gatehouseEnv, benchDataDir, finishedJob } = require('./lib/gatehouse');

const ROOT = path.resolve(__dirname, '..');
const DISTS = option('dist', path.join(ROOT, 'dist'))
  .split(',')
  .map((entry) => {
    const [folder, flags = ''] = entry.split('#');
    return { folder: path.resolve(folder), nodeArgs: flags.split(' ').filter(Boolean), label: entry };
  });
const ROUNDS = Number(option('rounds', '6'));
const SECONDS = Number(option('seconds', '4'));
const CONNECTIONS = 50;
const dirs = [];
const servers = [];

async function startFloorTarget() {
  const { server, cookie } = await startFloor();
  servers.push(server);
  const target = option('path', `/result/${crypto.randomUUID()}`);
  return { label: 'floor', server, url: server.url + target, cookie };
}

async function startGatehouse({ folder: dist, nodeArgs, label }, index) {
  const dataDir = await benchDataDir('gatehouse-ab-');
  dirs.push(dataDir);
  const server = await startServer({
    name: `gatehouse-${index}`,
    script: path.join(dist, 'main.js'),
    cwd: path.dirname(dist),
    nodeArgs,
    env: gatehouseEnv(dataDir),
    port: await freePort(),
  });
  servers.push(server);
  const { id, cookie } = await finishedJob(server.url, 'bench', PASSWORD);
  const target = option('path', `/result/${id}`);
  return { label, server, url: server.url + target, cookie };
}

async function measure(t, seconds) {
  const before = treeCpuSeconds(t.server.pid);
  const result = await cannon({
    url: t.url,
    connections: CONNECTIONS,
    headers: { cookie: t.cookie },
    duration: seconds,
  });
  const cpu = treeCpuSeconds(t.server.pid) - before;
  return { rps: result.requestsPerSec, cpuUs: (cpu / result.requestsTotal) * 1e6, p99: result.latencyMs.p99 };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main() {
  const targets = [await startFloorTarget()];
  for (const [i, dist] of DISTS.entries()) targets.push(await startGatehouse(dist, i)); // one by one: a failure stops them all
  for (const t of targets) {
    await measure(t, 2); // warm-up
    t.rounds = [];
  }
  for (let r = 0; r < ROUNDS; r++) {
    // Rotate and reverse the order each round: nobody always runs first or right after the floor.
    const rotated = targets.map((_, i) => targets[(i + r) % targets.length]);
    const order = r % 2 ? rotated.reverse() : rotated;
    for (const t of order) t.rounds.push(await measure(t, SECONDS));
    process.stderr.write(`[ab] round ${r + 1}/${ROUNDS}\n`);
  }
  const floor = targets[0];
  for (const t of targets) {
    const rps = median(t.rounds.map((x) => x.rps));
    const cpu = median(t.rounds.map((x) => x.cpuUs));
    const rpsRatio = median(t.rounds.map((x, i) => x.rps / floor.rounds[i].rps));
    const cpuRatio = median(t.rounds.map((x, i) => x.cpuUs / floor.rounds[i].cpuUs));
    process.stdout.write(
      `${t.label.padEnd(28)} ${String(round(rps, 0)).padStart(6)} req/s (${round(rpsRatio, 2)} x floor)  ` +
        `${String(round(cpu, 0)).padStart(5)} us CPU/req (${round(cpuRatio, 2)} x floor)  ` +
        `p99 ${median(t.rounds.map((x) => x.p99))} ms\n`,
    );
  }
}

main()
  .catch((error) => {
    process.stderr.write(`${error.stack || error}\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });
