// Stress: "a write acknowledged by one process is seen by the next read in another process".
// A writer process bumps a counter in a JSON file through the compiled JsonFile and prints "ok <n>"
// once each write is durable; the line goes straight (through a pipe) to a reader process, which
// reads the file through its own JsonFile and must see a counter >= n. Meanwhile the reader keeps
// other reads in flight (like a busy web worker) and CPU hogs saturate the machine.
//
// usage: node test/stress/ack-then-read.js [writes=10000] [hogs=2] [readersInFlight=8]
// prints one JSON line {writes, misses, ms}; exits 1 when a read missed an acknowledged write.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const DIST = path.join(__dirname, '..', '..', 'dist', 'persistence', 'json', 'json-file.js');
const role = process.env.ACK_STRESS_ROLE;

if (role === 'writer') runWriter();
else if (role === 'reader') runReader();
else if (role === 'hog') for (;;);
else orchestrate();

function fileOf() {
  const { JsonFile } = require(DIST);
  return new JsonFile(process.env.ACK_STRESS_FILE, { empty: () => ({ seq: 0, pad: '' }) });
}

async function runWriter() {
  const file = fileOf();
  const writes = Number(process.env.ACK_STRESS_WRITES);
  for (let n = 1; n <= writes; n++) {
    // The size varies so some versions share a size (the case a size-based staleness check gets wrong).
    await file.update((d) => {
      d.seq = n;
      d.pad = 'x'.repeat(n % 7);
    });
    process.stdout.write(`ok ${n}\n`);
  }
}

function runReader() {
  const file = fileOf();
  let misses = 0;
  let checked = 0;
  let stopped = false;
  const background = Number(process.env.ACK_STRESS_IN_FLIGHT);
  const loops = Array.from({ length: background }, async () => {
    while (!stopped) {
      await file.read();
      await new Promise((resolve) => setImmediate(resolve)); // a cached read resolves at once: let I/O in
    }
  });
  let buffer = '';
  let chain = Promise.resolve();
  process.stdin.on('data', (chunk) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop();
    for (const line of lines) {
      if (!line.startsWith('ok ')) continue;
      const n = Number(line.slice(3));
      // Not chained: each check starts the moment its acknowledgement arrives, like a request would.
      const check = file.read().then((d) => {
        checked++;
        if (d.seq < n) {
          misses++;
          if (misses <= 5) process.stderr.write(`miss: acknowledged ${n}, read ${d.seq}\n`);
        }
      });
      chain = chain.then(() => check);
    }
  });
  process.stdin.on('end', async () => {
    await chain;
    stopped = true;
    await Promise.all(loops);
    process.stdout.write(JSON.stringify({ checked, misses }) + '\n');
    process.exit(0);
  });
}

async function orchestrate() {
  const writes = Number(process.argv[2] ?? 10000);
  const hogs = Number(process.argv[3] ?? 2);
  const inFlight = Number(process.argv[4] ?? 8);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-ack-stress-'));
  const env = {
    ...process.env,
    ACK_STRESS_FILE: path.join(dir, 'counter.json'),
    ACK_STRESS_WRITES: String(writes),
    ACK_STRESS_IN_FLIGHT: String(inFlight),
  };
  const started = Date.now();
  const hogProcs = Array.from({ length: hogs }, () =>
    spawn(process.execPath, [__filename], { env: { ...env, ACK_STRESS_ROLE: 'hog' }, stdio: 'ignore' }),
  );
  try {
    const writer = spawn(process.execPath, [__filename], {
      env: { ...env, ACK_STRESS_ROLE: 'writer' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const reader = spawn(process.execPath, [__filename], {
      env: { ...env, ACK_STRESS_ROLE: 'reader' },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    writer.stdout.pipe(reader.stdin);
    let out = '';
    reader.stdout.on('data', (c) => (out += c));
    const [writerCode] = await Promise.all([exitOf(writer), exitOf(reader)]);
    const result = JSON.parse(out.trim());
    const summary = { writes, hogs, inFlight, ...result, writerCode, ms: Date.now() - started };
    process.stdout.write(JSON.stringify(summary) + '\n');
    process.exitCode = writerCode === 0 && result.misses === 0 && result.checked === writes ? 0 : 1;
  } finally {
    hogProcs.forEach((p) => p.kill('SIGKILL'));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function exitOf(child) {
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}
