'use strict';
/** Starting and stopping the servers under test, and watching their memory. */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');

/** A free TCP port on the loopback interface. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Spawns `node <script>` with exactly `env` (plus PATH), waits until GET <url>/healthz answers 200
 * and returns a handle. `startupMs` is the time from spawn to the first 200 (polled every 10 ms).
 */
async function startServer({ name, script, cwd, env, port, timeoutMs = 60_000, nodeArgs = [] }) {
  const url = `http://127.0.0.1:${port}`;
  const startedAt = process.hrtime.bigint();
  const child = spawn(process.execPath, [...nodeArgs, script], {
    cwd,
    env: { PATH: process.env.PATH || '', ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk) => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited during start-up:\n${output.slice(-4000)}`);
    }
    try {
      const res = await fetch(`${url}/healthz`);
      await res.arrayBuffer();
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not answer /healthz within ${timeoutMs} ms:\n${output.slice(-4000)}`);
    }
    await sleep(10);
  }
  const startupMs = Number(process.hrtime.bigint() - startedAt) / 1e6;
  return {
    name,
    url,
    port,
    pid: child.pid,
    startupMs,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** Resident set size of a process in bytes (VmRSS from /proc/<pid>/status), or undefined if gone. */
function rssOf(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every `intervalMs` until stopped; returns {samples, peak, count}. */
function sampleRss(pid, intervalMs = 20) {
  const samples = [];
  const take = () => {
    const rss = rssOf(pid);
    if (rss !== undefined) samples.push(rss);
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return { samples, peak: Math.max(...samples), count: samples.length };
    },
  };
}

module.exports = { freePort, startServer, rssOf, sampleRss, sleep };

/**
 * CPU seconds (user + system, all threads) used so far by a process and its descendants (cluster
 * workers), from /proc/<pid>/stat; undefined where /proc is not available. `withReaped`: also the time of
 * descendants that exited and were reaped by one in the tree (cutime + cstime), for a server whose
 * children come and go (PostgreSQL's backends end with their connections).
 */
function treeCpuSeconds(rootPid, { withReaped = false } = {}) {
  let entries;
  try {
    entries = fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  const ticks = 100; // USER_HZ: 100 on every Linux architecture Node supports
  const procs = new Map();
  for (const pid of entries) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const reaped = withReaped ? Number(fields[13]) + Number(fields[14]) : 0;
      procs.set(Number(pid), {
        ppid: Number(fields[1]),
        cpu: (Number(fields[11]) + Number(fields[12]) + reaped) / ticks,
      });
    } catch {
      // gone meanwhile
    }
  }
  if (!procs.has(rootPid)) return undefined;
  let total = 0;
  for (const [pid, info] of procs) {
    for (let p = pid, depth = 0; p && depth < 8; p = procs.get(p)?.ppid, depth++) {
      if (p === rootPid) {
        total += info.cpu;
        break;
      }
    }
  }
  return total;
}

module.exports.treeCpuSeconds = treeCpuSeconds;

/** The pids of a process and its descendants (cluster workers), from /proc; [] where it is not available. */
function treePids(rootPid) {
  const parents = new Map();
  let entries;
  try {
    entries = fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  for (const pid of entries) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      parents.set(Number(pid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const pids = [];
  for (const pid of parents.keys()) {
    for (let p = pid, depth = 0; p && depth < 8; p = parents.get(p), depth++) {
      if (p === rootPid) {
        pids.push(pid);
        break;
      }
    }
  }
  return pids;
}

const ELD_PROBE = require('node:path').join(__dirname, 'eld-probe.js');

/** Env that preloads the event-loop-delay probe (eld-probe.js) into a server and its workers. */
function eldProbeEnv(dir) {
  return { NODE_OPTIONS: `--require ${ELD_PROBE}`, BENCH_ELD_DIR: dir };
}

/** Starts a new event-loop-delay window in every process of the server (SIGWINCH to each). */
function eldReset(server) {
  for (const pid of treePids(server.pid)) {
    try {
      process.kill(pid, 'SIGWINCH');
    } catch {
      // gone meanwhile
    }
  }
}

/**
 * Ends the window: every process writes its figures since eldReset; returns the worst process's
 * {p50, p99, max, mean} in ms (the busiest worker), or undefined when no probe answered.
 */
async function eldCollect(server, dir) {
  const pids = treePids(server.pid);
  for (const pid of pids) fs.rmSync(`${dir}/${pid}.json`, { force: true });
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGWINCH');
    } catch {
      // gone meanwhile
    }
  }
  const found = [];
  for (let waited = 0; waited < 2000 && found.length < pids.length; waited += 20) {
    await sleep(20);
    found.length = 0;
    for (const pid of pids) {
      try {
        found.push(JSON.parse(fs.readFileSync(`${dir}/${pid}.json`, 'utf8')));
      } catch {
        // not yet
      }
    }
  }
  const busy = found.filter((f) => f.samples > 0);
  if (busy.length === 0) return undefined;
  return busy.reduce((worst, f) => (f.p99 > worst.p99 ? f : worst));
}

Object.assign(module.exports, { treePids, eldProbeEnv, eldReset, eldCollect });
