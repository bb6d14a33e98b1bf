'use strict';
/** The floor (bench/baseline/) under the bench: started, and logged in through its own POST /login. */
const path = require('node:path');
const { freePort, startServer } = require('./procs');
const { Client } = require('./client');

const ROOT = path.resolve(__dirname, '..', '..');

/** Starts the floor (NODE_ENV=production) and logs in; its gated page is `/result/<any id>`. */
async function startFloor() {
  const server = await startServer({
    name: 'floor',
    script: path.join(ROOT, 'bench', 'baseline', 'main.js'),
    cwd: ROOT,
    env: { NODE_ENV: 'production' },
    port: await freePort(),
  });
  const client = new Client(server.url, 'baseline.sid');
  if ((await client.post('/login', {})).status !== 303) {
    await server.stop();
    throw new Error('floor login failed');
  }
  return { server, cookie: client.cookieHeader() };
}

module.exports = { startFloor };
