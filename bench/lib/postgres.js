'use strict';
/**
 * PostgreSQL for the bench's postgres part: BENCH_DATABASE_URL (an admin URL of a server of your own) or
 * the embedded server the tests use (test/postgres/embedded-server.mjs, a child process speaking one JSON
 * line per event: `ready` with its `url`; `exit` on stdin stops it and removes its data folder). Each run
 * gets new databases (CREATE DATABASE with a random name), dropped at the end.
 */
const crypto = require('node:crypto');
const path = require('node:path');
const readline = require('node:readline');
const { spawn } = require('node:child_process');
const { Client } = require('pg');

const EMBEDDED = path.join(__dirname, '..', '..', 'test', 'postgres', 'embedded-server.mjs');

/** { adminUrl, pid (of the embedded server's process tree, for its CPU time; undefined for BENCH_DATABASE_URL), close() } */
async function postgresServer() {
  const given = process.env.BENCH_DATABASE_URL;
  if (given) return { adminUrl: given, pid: undefined, embedded: false, close: async () => undefined };
  const child = spawn(process.execPath, [EMBEDDED], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const ready = await new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      try {
        resolve(JSON.parse(line));
      } catch (error) {
        reject(error);
      }
    });
    exited.then(() => reject(new Error('the embedded PostgreSQL exited during start-up')));
  });
  if (ready.event !== 'ready') {
    child.stdin.end('exit\n');
    throw new Error(`embedded PostgreSQL: ${ready.message ?? ready.event}\n${(ready.log ?? []).join('\n')}`);
  }
  return {
    adminUrl: ready.url,
    pid: child.pid,
    embedded: true,
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) child.stdin.end('exit\n');
      await exited;
    },
  };
}

async function asAdmin(adminUrl, sql) {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A new, empty database on the server: { url, name, drop() }. */
async function createDatabase(adminUrl, label) {
  const name = `gatehouse_bench_${label}_${crypto.randomBytes(5).toString('hex')}`;
  await asAdmin(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await asAdmin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

module.exports = { postgresServer, createDatabase };
