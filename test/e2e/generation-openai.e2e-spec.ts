import * as fs from 'node:fs';
import * as path from 'node:path';
import { startFakeOpenAi, FakeOpenAiServer } from '../helpers/fake-openai-server';
import { eventually, generateJob, makeUser, waitForJob } from '../helpers/generation-helpers';
import { jobOf, jobsOf, manifestOf } from '../helpers/generation-state';
import { Agent, createTestApp, rmDataDir, setupAdmin, TestApp } from '../helpers/test-app';

const API_KEY = 'sk-test-SECRETKEY-0123456789abcdef';

/** Every file under DATA_DIR, as text (to prove the key reached none of them). */
function everyFileText(dir: string): string {
  let out = '';
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out += everyFileText(full);
    else out += fs.readFileSync(full, 'utf8');
  }
  return out;
}

describe('generation with the OpenAI provider against a local fake server (e2e)', () => {
  let fake: FakeOpenAiServer;
  let t: TestApp;
  let admin: { agent: Agent; csrf: string };
  let alice: { agent: Agent; csrf: string };

  beforeAll(async () => {
    fake = await startFakeOpenAi();
    t = await createTestApp({
      env: {
        OPENAI_API_KEY: API_KEY,
        OPENAI_BASE_URL: fake.baseUrl,
        OPENAI_MODEL: 'fake-model-1',
        OPENAI_TIMEOUT_MS: '1000',
        OPENAI_MAX_RETRIES: '0',
        GENERATION_CONCURRENCY: '1',
        GENERATION_DAILY_DRAFTS: '0',
      },
    });
    admin = await setupAdmin(t);
    alice = await makeUser(t, 'alice');
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
    rmDataDir(t.dataDir);
  });
  beforeEach(() => {
    fake.mode = 'ok';
    fake.delayMs = 0;
    fake.requests.length = 0;
    fake.usage = { prompt_tokens: 11, completion_tokens: 37 };
  });

  it('succeeds through the real SDK, sending the key and model, and records tokens from the answer', async () => {
    fake.usage = { prompt_tokens: 13, completion_tokens: 101 };
    const id = await generateJob(alice, 'Write about tide pools.', 2);
    const body = await waitForJob(alice.agent, id);
    expect(body).toMatchObject({ status: 'succeeded', provider: 'openai', model: 'fake-model-1', error: null });
    expect(fake.requests).toHaveLength(2);
    for (const req of fake.requests) {
      expect(req.authorization).toBe(`Bearer ${API_KEY}`);
      expect(req.body.model).toBe('fake-model-1');
      expect(JSON.stringify(req.body.messages)).toContain('Write about tide pools.');
    }
    // Each draft asked for a different angle.
    expect(fake.requests[0].body.messages![1].content).not.toBe(fake.requests[1].body.messages![1].content);

    const usage = { drafts: 2, prompt_tokens: 26, completion_tokens: 202 };
    expect((await jobOf(t, id)).usage).toEqual({ drafts: 2, promptTokens: 26, completionTokens: 202 });
    const manifest = await manifestOf(t, id);
    expect(manifest).toMatchObject({ provider: 'openai', model: 'fake-model-1', usage });
    expect(manifest.files).toHaveLength(2);
    expect(manifest.files[0].path).toBe('artifacts/01-fake-draft-1.md');
    expect(manifest.qc.passed).toBe(true);

    const page = await admin.agent.get('/admin/usage').expect(200);
    expect(page.text).toMatch(/data-testid="usage-alice-today-tokens"[^>]*>228</);
  });

  it('an error answer fails the job with a clear message that never contains the key', async () => {
    fake.mode = 'error';
    fake.errorStatus = 401;
    const id = await generateJob(alice, 'This will be refused.', 2);
    const body = await waitForJob(alice.agent, id);
    expect(body.status).toBe('failed');
    expect(body.error).toMatch(/OpenAI provider answered with an error \(HTTP 401\)/);
    expect(body.error).toContain('Incorrect API key provided');
    expect(body.error).not.toContain(API_KEY);
    expect(body.error).not.toContain('SECRETKEY');
    expect(body.usage).toEqual({ drafts: 0, prompt_tokens: 0, completion_tokens: 0 });

    const job = await jobOf(t, id);
    expect(job.status).toBe('failed');
    expect(job.error).toBe(body.error);
    const manifest = await manifestOf(t, id);
    expect(manifest).toMatchObject({ status: 'failed', error: body.error, files: [] });
    await alice.agent.get(`/api/job/${id}/manifest`).expect(200);
    await alice.agent.get(`/download/${id}.zip`).expect(409);

    const page = await alice.agent.get(`/result/${id}`).expect(200);
    expect(page.text).toMatch(/data-testid="job-status">failed</);
    expect(page.text).toContain('data-testid="job-error"');
    expect(page.text).not.toContain('SECRETKEY');
    expect(everyFileText(t.dataDir)).not.toContain('SECRETKEY');
  });

  it('a failure part-way records what was spent before it', async () => {
    fake.mode = 'fail-after';
    fake.okCount = 1;
    fake.errorStatus = 500;
    const id = await generateJob(alice, 'Three drafts, one succeeds.', 3);
    const body = await waitForJob(alice.agent, id);
    expect(body.status).toBe('failed');
    expect(body.error).toMatch(/HTTP 500.*draft 2 of 3/);
    const usage = { drafts: 1, prompt_tokens: 11, completion_tokens: 37 };
    expect((await jobOf(t, id)).usage).toEqual({ drafts: 1, promptTokens: 11, completionTokens: 37 });
    expect((await manifestOf(t, id)).usage).toEqual(usage);
  });

  it('a server that never answers fails the job after OPENAI_TIMEOUT_MS', async () => {
    fake.mode = 'hang';
    const started = Date.now();
    const id = await generateJob(alice, 'Nobody is listening.', 1);
    const body = await waitForJob(alice.agent, id);
    expect(body.status).toBe('failed');
    expect(body.error).toMatch(/did not answer within 1000 ms \(timeout\)/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(fake.requests).toHaveLength(1); // OPENAI_MAX_RETRIES=0
  });

  it('QC flags identical drafts as a warning; the job still succeeds', async () => {
    fake.mode = 'same';
    const id = await generateJob(alice, 'Same answer twice.', 2);
    const body = await waitForJob(alice.agent, id);
    expect(body.status).toBe('succeeded');
    const manifest = await manifestOf(t, id);
    expect(manifest.qc.passed).toBe(false);
    const dup = manifest.qc.checks.find((c: { name: string }) => c.name === 'no-duplicates');
    expect(dup).toEqual({ name: 'no-duplicates', passed: false, detail: expect.stringContaining('identical') });
    expect((await jobOf(t, id)).qcPassed).toBe(false);
    const page = await alice.agent.get(`/result/${id}`).expect(200);
    expect(page.text).toContain('raised a warning');
    await alice.agent.get(`/download/${id}.zip`).expect(200);
  });

  it('requests never wait for generation; the page refreshes itself while the job runs', async () => {
    fake.delayMs = 700;
    const started = Date.now();
    const id = await generateJob(alice, 'A slow provider.', 1);
    expect(Date.now() - started).toBeLessThan(600);
    const page = await alice.agent.get(`/result/${id}`).expect(200);
    expect(page.text).toMatch(/data-testid="job-status">(queued|running)</);
    expect(page.text).toContain('<meta http-equiv="refresh" content="2">');
    await alice.agent.get(`/api/job/${id}/manifest`).expect(409);
    await alice.agent.get(`/download/${id}.zip`).expect(409);
    expect((await waitForJob(alice.agent, id)).status).toBe('succeeded');
    const done = await alice.agent.get(`/result/${id}`).expect(200);
    expect(done.text).not.toContain('http-equiv="refresh"');
  });

  it('GENERATION_CONCURRENCY=1 runs one job at a time, in order', async () => {
    fake.delayMs = 150;
    const ids = [
      await generateJob(alice, 'Queue one.', 1),
      await generateJob(alice, 'Queue two.', 1),
      await generateJob(alice, 'Queue three.', 1),
    ];
    let maxRunning = 0;
    await eventually(async () => {
      const mine = (await jobsOf(t)).filter((j) => ids.includes(j.id));
      maxRunning = Math.max(maxRunning, mine.filter((j) => j.status === 'running').length);
      return mine.every((j) => j.status === 'succeeded') || undefined;
    });
    expect(maxRunning).toBe(1);
    const started = await Promise.all(ids.map(async (id) => (await jobOf(t, id)).startedAt!));
    const finished = await Promise.all(ids.map(async (id) => (await jobOf(t, id)).finishedAt!));
    expect(started[1] >= finished[0] && started[2] >= finished[1]).toBe(true);
    expect(fake.requests.map((r) => r.body.messages![1].content.split('\n')[1])).toEqual([
      'Queue one.',
      'Queue two.',
      'Queue three.',
    ]);
  });
});
