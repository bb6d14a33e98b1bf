import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { JobRunner, POLL_INTERVAL_MS } from '../../src/generation/jobs/job-runner.service';
import { eventually, generateJob, makeUser, waitForJob } from '../helpers/generation-helpers';
import { jobOf, jobsOf, manifestOf, usageOn } from '../helpers/generation-state';
import { createTestApp, makeDataDir, readJson, rmDataDir, setupAdmin, TestApp } from '../helpers/test-app';
import { describeFilesOnly } from '../helpers/store-mode';

/** The pid of a process that has already exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid;
}

function jobJson(id: string, fields: Record<string, unknown>): string {
  return JSON.stringify({
    id,
    owner: 'ghost',
    owner_id: 'ghost-id',
    prompt: `Left over by a crash: ${id.slice(0, 8)}.`,
    count: 2,
    status: 'queued',
    provider: 'offline',
    model: 'offline-template-v1',
    created_at: new Date().toISOString(),
    started_at: null,
    finished_at: null,
    error: null,
    usage: { drafts: 0, prompt_tokens: 0, completion_tokens: 0 },
    qc_passed: null,
    claimed_by: null,
    attempts: 0,
    ...fields,
  });
}

describeFilesOnly('recovery-job-files', 'interrupted jobs at start-up (e2e)', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    if (t) {
      await t.close();
      rmDataDir(t.dataDir);
      t = undefined;
    }
  });

  it('re-queues jobs left queued or running by a dead process, fails the twice-interrupted, rebuilds index and ledger', async () => {
    const queued = randomUUID();
    const running = randomUUID();
    const runningNoPid = randomUUID();
    const twice = randomUUID();
    t = await createTestApp({
      env: { GENERATION_DAILY_DRAFTS: '0' },
      files: {
        [`jobs/${queued}/job.json`]: jobJson(queued, {}),
        [`jobs/${running}/job.json`]: jobJson(running, {
          status: 'running',
          claimed_by: deadPid(),
          attempts: 1,
          started_at: new Date().toISOString(),
        }),
        [`jobs/${runningNoPid}/job.json`]: jobJson(runningNoPid, { status: 'running' }),
        [`jobs/${twice}/job.json`]: jobJson(twice, { status: 'running', claimed_by: deadPid(), attempts: 2 }),
        // A half-written artifact from the crashed run must not survive into the pack.
        [`jobs/${running}/artifacts/99-partial.md`]: 'half a dra',
      },
    });
    const admin = await setupAdmin(t);

    for (const id of [queued, running, runningNoPid]) {
      const body = await waitForJob(admin.agent, id);
      expect(body.status).toBe('succeeded');
      expect((await manifestOf(t, id)).qc.passed).toBe(true);
    }
    expect((await jobOf(t, running)).attempts).toBe(2);
    expect(fs.existsSync(path.join(t.dataDir, 'jobs', running, 'artifacts', '99-partial.md'))).toBe(false);

    const failed = await waitForJob(admin.agent, twice);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/^Interrupted/);
    expect(await manifestOf(t, twice)).toMatchObject({ status: 'failed', error: failed.error });

    // The index was rebuilt from the job folders, and the ledger from the index.
    expect((await jobsOf(t)).map((j) => j.id).sort()).toEqual([queued, running, runningNoPid, twice].sort());
    const today = t.clock.now().toISOString().slice(0, 10);
    expect(await usageOn(t, 'ghost-id', today)).toMatchObject({ jobs: 4, drafts: 8 });
  });

  it('after a restart in the same process, a job claimed by the old (stopped) runner is recovered', async () => {
    const dataDir = makeDataDir();
    t = await createTestApp({ dataDir, env: { GENERATION_DAILY_DRAFTS: '0' } });
    await setupAdmin(t);
    const alice = await makeUser(t, 'alice');
    const id = await generateJob(alice, 'Before the restart.', 1);
    await waitForJob(alice.agent, id);
    await t.close();
    t = undefined;

    // Pretend the old app died mid-run: the job is `running`, claimed by this pid's old runner.
    const jobPath = path.join(dataDir, 'jobs', id, 'job.json');
    const job = JSON.parse(fs.readFileSync(jobPath, 'utf8'));
    fs.writeFileSync(jobPath, JSON.stringify({ ...job, status: 'running', claimed_by: process.pid, attempts: 1 }));
    const indexPath = path.join(dataDir, 'jobs', 'index.json');
    const index = JSON.parse(fs.readFileSync(indexPath, 'utf8'));
    index.jobs[0] = { ...index.jobs[0], status: 'running', claimed_by: process.pid, claimed_by_runner: 'old-runner' };
    fs.writeFileSync(indexPath, JSON.stringify(index));

    t = await createTestApp({ dataDir, env: { GENERATION_DAILY_DRAFTS: '0' } });
    const app = t;
    const done = await eventually(async () => {
      const current = await jobOf(app, id);
      return current.status === 'succeeded' && current.attempts === 2 ? current : undefined;
    });
    expect(done.claimedBy).toBeNull();
    // The index row (its file format: the claim is cleared) follows job.json, written right after it.
    const row = await eventually(() => {
      const entry = readJson(dataDir, 'jobs/index.json').jobs[0];
      return entry.status === 'succeeded' ? entry : undefined;
    });
    expect(row).toMatchObject({ id, status: 'succeeded', claimed_by: null });
  });

  it('a web-role process only enqueues; the runner process picks the job up', async () => {
    const dataDir = makeDataDir();
    const previous = process.env.GATEHOUSE_ROLE;
    process.env.GATEHOUSE_ROLE = 'web';
    let web: TestApp;
    try {
      web = await createTestApp({ dataDir, env: { GENERATION_DAILY_DRAFTS: '0' } });
    } finally {
      if (previous === undefined) delete process.env.GATEHOUSE_ROLE;
      else process.env.GATEHOUSE_ROLE = previous;
    }
    try {
      await setupAdmin(web);
      const alice = await makeUser(web, 'alice');
      expect(web.app.get(JobRunner).isEnabled).toBe(false);
      const id = await generateJob(alice, 'Queued by a web worker.', 1);
      // Proving a negative needs some wait: a few poll intervals in which a runner would have claimed it.
      await new Promise((resolve) => setTimeout(resolve, 4 * POLL_INTERVAL_MS));
      expect((await jobOf(web, id)).status).toBe('queued');

      t = await createTestApp({ dataDir, env: { GENERATION_DAILY_DRAFTS: '0' } });
      expect((await waitForJob(alice.agent, id)).status).toBe('succeeded');
    } finally {
      await web.close();
    }
  });
});
