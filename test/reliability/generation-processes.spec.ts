import * as fs from 'node:fs';
import * as path from 'node:path';
import { requireBuild } from '../helpers/dist';
import { FakeOpenAiServer, startFakeOpenAi } from '../helpers/fake-openai-server';
import { HttpClient, ServerProcess, startServer } from '../helpers/server-process';
import { makeDataDir, rmDataDir, TEST_SETUP_TOKEN } from '../helpers/test-app';

/**
 * The multi-process design with the built app: web processes only enqueue, runner processes claim
 * jobs from the shared index, and GENERATION_CONCURRENCY holds across all of them.
 */
describe('jobs across processes (built app)', () => {
  let dataDir: string;
  let fake: FakeOpenAiServer;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    requireBuild();
    dataDir = makeDataDir();
    fake = await startFakeOpenAi({ delayMs: 150 });
  });
  afterAll(async () => {
    for (const server of servers) await server.stop();
    await fake.close();
    rmDataDir(dataDir);
  });

  async function start(role: 'web' | 'runner') {
    const server = await startServer(dataDir, {
      GATEHOUSE_ROLE: role,
      GENERATION_PROVIDER: 'openai',
      OPENAI_BASE_URL: fake.baseUrl,
      OPENAI_MAX_RETRIES: '0',
      GENERATION_CONCURRENCY: '2',
      GENERATION_DAILY_DRAFTS: '0',
      // A SIGKILLed runner's claim runs out after this; the next runner then takes the job back.
      GENERATION_LEASE_SECONDS: '2',
    });
    servers.push(server);
    return server;
  }

  async function waitFor(client: HttpClient, id: string): Promise<{ status: string; usage: { drafts: number } }> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const res = await client.get(`/api/job/${id}`);
      const body = JSON.parse(res.text);
      if (body.status === 'succeeded' || body.status === 'failed') return body;
      if (Date.now() > deadline) throw new Error(`job ${id} still ${body.status}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('a web process only enqueues; two runner processes share the queue and the concurrency limit', async () => {
    const web = await start('web');
    const client = new HttpClient(web.url);
    const setup = await client.submit(`/admin/setup?token=${TEST_SETUP_TOKEN}`, '/admin/setup', {
      username: 'root',
      password: 'correct horse battery',
      token: TEST_SETUP_TOKEN,
    });
    expect(setup.status).toBe(303);

    const first = await client.submit('/', '/generate', { prompt: 'Queued while no runner exists.', count: '1' });
    expect(first.status).toBe(303);
    const firstId = first.location!.split('/').pop()!;
    // No runner yet: the job stays queued (a web worker never runs jobs).
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(JSON.parse((await client.get(`/api/job/${firstId}`)).text).status).toBe('queued');
    expect(fake.requests).toHaveLength(0);

    await Promise.all([start('runner'), start('runner')]);
    const ids = [firstId];
    for (let i = 0; i < 7; i++) {
      const res = await client.submit('/', '/generate', { prompt: `Job ${i} for the shared queue.`, count: '1' });
      expect(res.status).toBe(303);
      ids.push(res.location!.split('/').pop()!);
    }
    const results = await Promise.all(ids.map((id) => waitFor(client, id)));
    expect(results.map((r) => r.status)).toEqual(ids.map(() => 'succeeded'));

    // Each job ran exactly once, never more than GENERATION_CONCURRENCY at a time on the machine.
    expect(fake.requests).toHaveLength(ids.length);
    expect(fake.maxInFlight).toBeLessThanOrEqual(2);
    for (const id of ids) {
      const job = JSON.parse(fs.readFileSync(path.join(dataDir, 'jobs', id, 'job.json'), 'utf8'));
      expect(job.attempts).toBe(1);
      expect(job.claimed_by).toBeNull();
    }
    const index = JSON.parse(fs.readFileSync(path.join(dataDir, 'jobs', 'index.json'), 'utf8'));
    expect(index.jobs).toHaveLength(ids.length);
  });

  it('a runner killed mid-job leaves it to be re-queued by the next runner', async () => {
    for (const server of servers.splice(1)) await server.stop();
    fake.delayMs = 5000;
    const runner = await start('runner');
    const client = new HttpClient(servers[0].url);
    await client.submit('/login', '/login', { username: 'root', password: 'correct horse battery' });
    const res = await client.submit('/', '/generate', { prompt: 'Interrupted by SIGKILL.', count: '1' });
    const id = res.location!.split('/').pop()!;
    const deadline = Date.now() + 10_000;
    while (JSON.parse((await client.get(`/api/job/${id}`)).text).status !== 'running') {
      if (Date.now() > deadline) throw new Error('job never started');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await runner.stop('SIGKILL');
    servers.splice(servers.indexOf(runner), 1);
    fake.delayMs = 50;

    await start('runner');
    const done = await waitFor(client, id);
    expect(done.status).toBe('succeeded');
    const job = JSON.parse(fs.readFileSync(path.join(dataDir, 'jobs', id, 'job.json'), 'utf8'));
    expect(job.attempts).toBe(2);
  });
});
