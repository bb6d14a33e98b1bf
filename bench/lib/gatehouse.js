'use strict';
/** Running Gatehouse under the bench: its environment, a data folder with the bench user, the page under load. */
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const bcrypt = require('bcrypt');
const { Client } = require('./client');
const { sleep } = require('./procs');
const { writeUsers } = require('./seed');

/** The bench user's password (real bcrypt hashes are made of it, so logins go through the real check). */
const PASSWORD = 'bench-Passphrase-7319';

/** The environment of a Gatehouse under test: production views, its own secrets, cheap bcrypt, 1 process. */
function gatehouseEnv(dataDir, extra = {}) {
  return {
    NODE_ENV: 'production',
    GATEHOUSE_IGNORE_ENV_FILE: '1',
    DATA_DIR: dataDir,
    BCRYPT_COST: '4',
    SESSION_SECRET: crypto.randomBytes(32).toString('hex'),
    ADMIN_SETUP_TOKEN: crypto.randomBytes(24).toString('base64url'),
    WEB_CONCURRENCY: '1',
    ...extra,
  };
}

/** A temp DATA_DIR holding only the `bench` user (bcrypt cost 4); the caller removes it. */
async function benchDataDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  writeUsers(dir, { fillers: 0, users: [{ username: 'bench', passwordHash: await bcrypt.hash(PASSWORD, 4) }] });
  return dir;
}

/**
 * Logs in as `username`, submits a 3-draft job through POST /generate and waits (30 s at most) until it
 * succeeded. Returns the job id, the session cookie for load tools and the logged-in client.
 */
async function finishedJob(serverUrl, username, password) {
  const client = new Client(serverUrl);
  const csrf = await client.login(username, password);
  const created = await client.post('/generate', {
    prompt: 'Remote work policy for a small team',
    count: '3',
    _csrf: csrf,
  });
  if (created.status !== 303 || !created.location?.startsWith('/result/')) {
    throw new Error(`POST /generate answered ${created.status}`);
  }
  const id = created.location.slice('/result/'.length);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const body = JSON.parse((await client.get(`/api/job/${id}`)).text);
    const status = body.status ?? body.job?.status;
    if (status === 'succeeded') break;
    if (status === 'failed' || Date.now() > deadline) throw new Error(`job ${id} did not succeed (${status})`);
    await sleep(100);
  }
  return { id, cookie: client.cookieHeader(), client };
}

module.exports = { PASSWORD, gatehouseEnv, benchDataDir, finishedJob };
