'use strict';
/** The page every throughput figure loads: a finished 3-draft job of the logged-in bench user. */
const { Client } = require('./client');
const { sleep } = require('./procs');

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

module.exports = { finishedJob };
