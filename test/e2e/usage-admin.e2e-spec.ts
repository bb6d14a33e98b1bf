import { FakeOpenAiServer, startFakeOpenAi } from '../helpers/fake-openai-server';
import { allJobs, generateJob, makeUser, waitForJob } from '../helpers/generation-helpers';
import { jobsOf } from '../helpers/generation-state';
import { Agent, createTestApp, readJson, rmDataDir, setupAdmin, TestApp } from '../helpers/test-app';
import { storedText } from '../helpers/raw-store';
import { itFilesOnly } from '../helpers/store-mode';

type Who = { agent: Agent; csrf: string };
const DAY = 86_400_000;

/** UTC day keys: `days` days ending with the day of `at`. */
function window(at: Date, days: number): Set<string> {
  const keys = new Set<string>();
  for (let i = 0; i < days; i++) keys.add(new Date(at.getTime() - i * DAY).toISOString().slice(0, 10));
  return keys;
}

function cell(html: string, testid: string): string {
  const match = new RegExp(`data-testid="${testid}"[^>]*>([^<]*)<`).exec(html);
  if (!match) throw new Error(`no cell ${testid}`);
  return match[1].trim();
}

describe('/admin/usage and per-user quotas (e2e)', () => {
  let fake: FakeOpenAiServer;
  let t: TestApp;
  let admin: Who;
  let alice: Who;
  let bob: Who;

  beforeAll(async () => {
    fake = await startFakeOpenAi();
    t = await createTestApp({
      env: {
        OPENAI_BASE_URL: fake.baseUrl,
        GENERATION_PROVIDER: 'openai',
        OPENAI_MAX_RETRIES: '0',
        GENERATION_DAILY_DRAFTS: '12',
        // The clock moves over weeks: keep sessions alive across it.
        SESSION_IDLE_MINUTES: '525600',
        SESSION_ABSOLUTE_HOURS: '8760',
      },
    });
    t.clock.set(new Date(Date.now() - 40 * DAY));
    admin = await setupAdmin(t);
    alice = await makeUser(t, 'alice');
    bob = await makeUser(t, 'bob');

    const run = async (
      who: Who,
      count: number,
      usage: { prompt_tokens: number; completion_tokens: number },
      mode: FakeOpenAiServer['mode'] = 'ok',
    ) => {
      fake.mode = mode;
      fake.usage = usage;
      await waitForJob(who.agent, await generateJob(who, `Brief at ${t.clock.now().toISOString()}`, count));
    };
    await run(alice, 3, { prompt_tokens: 1000, completion_tokens: 1000 }); // 40 days ago: outside every window
    t.clock.advance(20 * DAY);
    await run(alice, 2, { prompt_tokens: 5, completion_tokens: 7 }); // 20 days ago: 30-day window only
    await run(bob, 4, { prompt_tokens: 3, completion_tokens: 4 });
    t.clock.advance(17 * DAY);
    await run(alice, 1, { prompt_tokens: 2, completion_tokens: 9 }); // 3 days ago: 7 and 30 days
    t.clock.advance(3 * DAY);
    await run(alice, 2, { prompt_tokens: 10, completion_tokens: 20 }); // today
    fake.okCount = fake.requests.length + 1;
    await run(alice, 3, { prompt_tokens: 6, completion_tokens: 6 }, 'fail-after'); // today, failed after 1 draft
    await run(bob, 1, { prompt_tokens: 0, completion_tokens: 0 }, 'error'); // today, failed, nothing spent
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
    rmDataDir(t.dataDir);
  });

  it('shows per user jobs, drafts and tokens for today / 7 / 30 days equal to the sums over the job files, and totals', async () => {
    const page = await admin.agent.get('/admin/usage').expect(200);
    const jobs = await jobsOf(t);
    expect(jobs).toHaveLength(7);
    const windows = {
      today: window(t.clock.now(), 1),
      week: window(t.clock.now(), 7),
      month: window(t.clock.now(), 30),
    };
    const totals: Record<string, number> = {};
    for (const username of ['alice', 'bob', 'root']) {
      for (const [name, days] of Object.entries(windows)) {
        const mine = jobs.filter((j) => j.owner === username && days.has(j.createdAt.slice(0, 10)));
        const expected = {
          jobs: mine.length,
          drafts: mine.reduce((sum, j) => sum + j.count, 0),
          tokens: mine.reduce((sum, j) => sum + j.usage.promptTokens + j.usage.completionTokens, 0),
        };
        for (const [metric, value] of Object.entries(expected)) {
          expect(`${username} ${name} ${metric} = ${cell(page.text, `usage-${username}-${name}-${metric}`)}`).toBe(
            `${username} ${name} ${metric} = ${value}`,
          );
          totals[`${name}-${metric}`] = (totals[`${name}-${metric}`] ?? 0) + value;
        }
      }
    }
    for (const [key, value] of Object.entries(totals))
      expect([key, cell(page.text, `usage-total-${key}`)]).toEqual([key, String(value)]);

    // Spot-check the arithmetic itself, not only the agreement.
    expect(cell(page.text, 'usage-alice-today-drafts')).toBe('5');
    expect(cell(page.text, 'usage-alice-today-tokens')).toBe(String(2 * 30 + 12));
    expect(cell(page.text, 'usage-alice-week-tokens')).toBe(String(72 + 11));
    expect(cell(page.text, 'usage-alice-month-jobs')).toBe('4');
    expect(cell(page.text, 'usage-bob-month-drafts')).toBe('5');
    expect(cell(page.text, 'usage-bob-today-tokens')).toBe('0');
  });

  it("shows each user's limit and what is left today; an override is marked", async () => {
    let page = await admin.agent.get('/admin/usage').expect(200);
    expect(cell(page.text, 'usage-alice-limit')).toBe('12');
    expect(cell(page.text, 'usage-alice-left')).toBe('7');
    expect(cell(page.text, 'usage-bob-left')).toBe('11');

    const res = await admin.agent
      .post('/admin/users/alice/quota')
      .type('form')
      .send({ _csrf: admin.csrf, dailyDrafts: '6' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/usage?saved=1');
    page = await admin.agent.get(res.headers.location).expect(200);
    expect(page.text).toContain('data-testid="quota-saved"');
    expect(page.text).toMatch(/data-testid="usage-alice-limit">6 <span class="badge">own<\/span>/);
    expect(cell(page.text, 'usage-alice-left')).toBe('1');

    await admin.agent
      .post('/admin/users/alice/quota')
      .type('form')
      .send({ _csrf: admin.csrf, dailyDrafts: '0' })
      .expect(303);
    page = await admin.agent.get('/admin/usage').expect(200);
    expect(page.text).toMatch(/data-testid="usage-alice-limit">unlimited/);
    expect(cell(page.text, 'usage-alice-left')).toBe('∞');
  });

  itFilesOnly('usage-files')(
    "records OpenAI tokens from the fake server's usage answer in job.json, the manifest and the ledger",
    async () => {
      const today = allJobs(t.dataDir).find(
        (j) => j.owner === 'alice' && j.status === 'succeeded' && j.count === 2 && j.usage.prompt_tokens === 20,
      );
      expect(today).toBeDefined();
      expect(today.usage).toEqual({ drafts: 2, prompt_tokens: 20, completion_tokens: 40 });
      const manifest = readJson(t.dataDir, `jobs/${today.id}/manifest.json`);
      expect(manifest.usage).toEqual(today.usage);
      const failed = allJobs(t.dataDir).find((j) => j.owner === 'alice' && j.status === 'failed');
      expect(failed.usage).toEqual({ drafts: 1, prompt_tokens: 6, completion_tokens: 6 });
      const ledger = readJson(t.dataDir, 'usage.json');
      expect(ledger.users[today.owner_id].days[t.clock.now().toISOString().slice(0, 10)]).toEqual({
        jobs: 2,
        drafts: 5,
        prompt_tokens: 26,
        completion_tokens: 46,
      });
    },
  );

  it.each(['-1', 'abc', '1.5', '1e3', '2 3', '12345678', ' x '])(
    'refuses dailyDrafts=%p with 400 and changes nothing',
    async (value) => {
      const before = await storedText(t, 'users.json');
      const res = await admin.agent
        .post('/admin/users/bob/quota')
        .type('form')
        .send({ _csrf: admin.csrf, dailyDrafts: value });
      expect(res.status).toBe(400);
      expect(res.text).toContain(
        'Enter a whole number of drafts per day (0 &#x3D; unlimited), or leave it empty for the default.',
      );
      expect(res.text).toContain('data-testid="usage-table"');
      expect(await storedText(t, 'users.json')).toBe(before);
    },
  );

  it('refuses a missing dailyDrafts field with 400', async () => {
    await admin.agent.post('/admin/users/bob/quota').type('form').send({ _csrf: admin.csrf }).expect(400);
  });

  it('answers 404 for an unknown user', async () => {
    const res = await admin.agent
      .post('/admin/users/nobody/quota')
      .type('form')
      .send({ _csrf: admin.csrf, dailyDrafts: '3' });
    expect(res.status).toBe(404);
  });

  it('follows a local returnTo (the users table on /admin) and ignores a foreign one', async () => {
    const local = await admin.agent
      .post('/admin/users/bob/quota')
      .type('form')
      .send({ _csrf: admin.csrf, dailyDrafts: '4', returnTo: '/admin#users' });
    expect(local.headers.location).toBe('/admin#users');
    const foreign = await admin.agent
      .post('/admin/users/bob/quota')
      .type('form')
      .send({ _csrf: admin.csrf, dailyDrafts: '4', returnTo: 'https://evil.example/' });
    expect(foreign.headers.location).toBe('/admin/usage?saved=1');
  });

  it('non-admins get 403 on /admin/usage and the quota route, and nothing changes', async () => {
    const before = await storedText(t, 'users.json');
    await bob.agent.get('/admin/usage').expect(403);
    await bob.agent.post('/admin/users/bob/quota').type('form').send({ _csrf: bob.csrf, dailyDrafts: '0' }).expect(403);
    await bob.agent.post('/admin/users/bob/quota').type('form').send({ _csrf: bob.csrf, dailyDrafts: '' }).expect(403);
    expect(await storedText(t, 'users.json')).toBe(before);
  });
});
