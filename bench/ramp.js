'use strict';
/**
 * `node bench/ramp.js --dist=<a>[,<b>...]`: how long new connections wait at a saturated Gatehouse.
 * For each build (1 process, NODE_ENV=production, its own temp DATA_DIR, its gated page `GET /result/<id>`):
 * 25 keep-alive connections keep it busy (autocannon); after 1.5 s, 25 new connections open at once and
 * each times its first request, from connect to the last byte of the response. Prints, per build and
 * round, the median and the slowest of those first responses, and the busy connections' p99.
 * The figure behind `src/common/http/requests-per-turn.ts`: a listening socket accepts one connection
 * per event-loop turn, so the longer a busy process's turns, the longer new connections wait.
 *
 * Options: --dist=<folder>[,<folder>...] (default: floor,./dist; `floor` is bench/baseline/)  --rounds=N (default 3)
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { freePort, startServer, sleep } = require('./lib/procs');
const { startFloor } = require('./lib/floor');
const { cannon, round } = require('./lib/load');
const { option } = require('./lib/args');
const { PASSWORD, gatehouseEnv, benchDataDir, finishedJob } = require('./lib/gatehouse');

const ROOT = path.resolve(__dirname, '..');
const DISTS = option('dist', `floor,${path.join(ROOT, 'dist')}`)
  .split(',')
  .map((d) => (d === 'floor' ? d : path.resolve(d)));
const ROUNDS = Number(option('rounds', '3'));
const BUSY = 25;
const NEW = 25;

/** One request on a new connection: ms from the connect to the end of the response. */
function firstResponseMs(url, cookie) {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const agent = new http.Agent({ keepAlive: false });
    http
      .get(url, { agent, headers: { cookie } }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`first request answered ${res.statusCode}`));
          else resolve(Number(process.hrtime.bigint() - started) / 1e6);
        });
      })
      .on('error', reject);
  });
}

async function rampOnce(url, cookie) {
  const busy = cannon({ url, connections: BUSY, headers: { cookie }, duration: 4 });
  await sleep(1500);
  const waits = await Promise.all(Array.from({ length: NEW }, () => firstResponseMs(url, cookie)));
  const busyResult = await busy;
  waits.sort((a, b) => a - b);
  return { median: waits[Math.floor(NEW / 2)], max: waits[NEW - 1], busyP99: busyResult.latencyMs.p99 };
}

/** The floor (bench/baseline/) or a Gatehouse build, started with its gated page and a logged-in cookie. */
async function start(dist, index) {
  if (dist === 'floor') {
    const { server, cookie } = await startFloor();
    return { server, url: `${server.url}/result/${crypto.randomUUID()}`, cookie };
  }
  const dataDir = await benchDataDir('gatehouse-ramp-');
  const server = await startServer({
    name: `gatehouse-${index}`,
    script: path.join(dist, 'main.js'),
    cwd: path.dirname(dist),
    env: gatehouseEnv(dataDir),
    port: await freePort(),
  });
  const { id, cookie } = await finishedJob(server.url, 'bench', PASSWORD);
  return { server, dataDir, url: `${server.url}/result/${id}`, cookie };
}

async function main() {
  for (const [i, dist] of DISTS.entries()) {
    const { server, dataDir, url, cookie } = await start(dist, i);
    try {
      await cannon({ url, connections: BUSY, headers: { cookie }, duration: 2 }); // warm-up
      for (let r = 0; r < ROUNDS; r++) {
        const { median, max, busyP99 } = await rampOnce(url, cookie);
        process.stdout.write(
          `${dist.padEnd(28)} round ${r + 1}: ${NEW} new connections' first response median ${round(median, 0)} ms, ` +
            `slowest ${round(max, 0)} ms; busy connections' p99 ${busyP99} ms\n`,
        );
      }
    } finally {
      await server.stop();
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
