import { generateJob, jobIdFrom, makeUser, postGenerate, waitForJob } from '../helpers/generation-helpers';
import { jobOf, jobsOf, usageOf, usageOn } from '../helpers/generation-state';
import { Agent, createTestApp, rmDataDir, setupAdmin, TestApp } from '../helpers/test-app';

type Who = { agent: Agent; csrf: string };

const leftOn = (html: string): number | null => {
  const match = /data-testid="quota-left-count">(\d+)</.exec(html);
  return match ? Number(match[1]) : null;
};

/** The audit events named `event`, through the AuditLog (either store). */
async function auditEvents(t: TestApp, event: string): Promise<any[]> {
  return (await t.state.audit()).filter((entry) => entry.event === event);
}

describe('daily draft quotas (e2e)', () => {
  let t: TestApp;
  let admin: Who;

  beforeAll(async () => {
    t = await createTestApp({ env: { GENERATION_DAILY_DRAFTS: '5' } });
    admin = await setupAdmin(t);
  });
  afterAll(async () => {
    await t.close();
    rmDataDir(t.dataDir);
  });

  const setQuota = (username: string, dailyDrafts: string) =>
    admin.agent.post(`/admin/users/${username}/quota`).type('form').send({ _csrf: admin.csrf, dailyDrafts });

  it('allows exactly the limit, then refuses one draft more with 429, the form, the limit and the reset time', async () => {
    const alice = await makeUser(t, 'alice');
    expect(leftOn((await alice.agent.get('/').expect(200)).text)).toBe(5);

    await waitForJob(alice.agent, await generateJob(alice, 'First three.', 3));
    expect(leftOn((await alice.agent.get('/').expect(200)).text)).toBe(2);
    expect(leftOn((await alice.agent.get('/jobs').expect(200)).text)).toBe(2);
    await waitForJob(alice.agent, await generateJob(alice, 'Exactly the rest.', 2));
    expect(leftOn((await alice.agent.get('/jobs').expect(200)).text)).toBe(0);
    expect(await jobsOf(t, 'alice')).toHaveLength(2);

    const res = await postGenerate(alice, { prompt: 'One too many.', count: 1 });
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    expect(res.text).toContain('data-testid="generate-form"');
    expect(res.text).toContain('>One too many.</textarea>');
    expect(res.text).toContain('you may request 5 drafts per day and have 0 left today, but asked for 1');
    expect(res.text).toContain('resets at 00:00 UTC');
    const tomorrow = new Date(t.clock.now().getTime() + 86_400_000).toISOString().slice(0, 10);
    expect(res.text).toContain(`${tomorrow} 00:00 UTC`);
    expect(leftOn(res.text)).toBe(0);

    expect(await jobsOf(t, 'alice')).toHaveLength(2);
    const [refusal] = await auditEvents(t, 'quota.refused');
    expect(refusal).toMatchObject({ actor: 'alice', requested: 1, limit: 5, left: 0 });
    const aliceId = (await jobOf(t, (await jobsOf(t, 'alice'))[0].id)).ownerId;
    expect(await usageOn(t, aliceId, t.clock.now().toISOString().slice(0, 10))).toMatchObject({ jobs: 2, drafts: 5 });
  });

  it('a request bigger than what is left is refused even when something is left', async () => {
    const dave = await makeUser(t, 'dave');
    await generateJob(dave, 'Four of five.', 4);
    const res = await postGenerate(dave, { prompt: 'Two more.', count: 2 });
    expect(res.status).toBe(429);
    expect(res.text).toContain('have 1 left today, but asked for 2');
    expect(await jobsOf(t, 'dave')).toHaveLength(1);
    jobIdFrom(await postGenerate(dave, { prompt: 'The last one.', count: 1 }));
  });

  it('applies a per-user override: higher, lower, 0 = unlimited, and empty = back to the default', async () => {
    const bob = await makeUser(t, 'bob');
    // The stored quota override (users.json's daily_drafts), read through the repository.
    const bobRecord = async () => ({ daily_drafts: (await t.state.user('bob'))!.dailyDrafts });

    expect((await setQuota('bob', '8')).status).toBe(303);
    expect((await bobRecord()).daily_drafts).toBe(8);
    expect(leftOn((await bob.agent.get('/').expect(200)).text)).toBe(8);
    await generateJob(bob, 'Higher limit: eight.', 8);
    expect((await postGenerate(bob, { prompt: 'Ninth.', count: 1 })).status).toBe(429);

    expect((await setQuota('bob', '3')).status).toBe(303);
    expect((await bobRecord()).daily_drafts).toBe(3);
    const lower = await postGenerate(bob, { prompt: 'Lower limit.', count: 1 });
    expect(lower.status).toBe(429);
    expect(lower.text).toContain('you may request 3 drafts per day and have 0 left today');

    expect((await setQuota('bob', '0')).status).toBe(303);
    expect((await bobRecord()).daily_drafts).toBe(0);
    expect((await bob.agent.get('/').expect(200)).text).toContain('No daily limit on drafts.');
    await generateJob(bob, 'Unlimited one.', 10);
    await generateJob(bob, 'Unlimited two.', 10);
    expect(await jobsOf(t, 'bob')).toHaveLength(3);

    expect((await setQuota('bob', '')).status).toBe(303);
    expect((await bobRecord()).daily_drafts).toBeNull();
    const back = await postGenerate(bob, { prompt: 'Back to the default.', count: 1 });
    expect(back.status).toBe(429);
    expect(back.text).toContain('you may request 5 drafts per day');
    expect(await jobsOf(t, 'bob')).toHaveLength(3);

    expect((await auditEvents(t, 'user.quota')).map((e) => [e.actor, e.target, e.daily_drafts])).toEqual([
      ['root', 'bob', 8],
      ['root', 'bob', 3],
      ['root', 'bob', 0],
      ['root', 'bob', null],
    ]);
  });

  it('10 concurrent submissions with room for one create exactly one job', async () => {
    const carol = await makeUser(t, 'carol');
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => postGenerate(carol, { prompt: `Concurrent ${i}.`, count: 5 })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([303, 429, 429, 429, 429, 429, 429, 429, 429, 429]);
    const jobs = await jobsOf(t, 'carol');
    expect(jobs).toHaveLength(1);
    expect((await jobsOf(t)).filter((j) => j.owner === 'carol')).toHaveLength(1);
    expect(await usageOn(t, jobs[0].ownerId, t.clock.now().toISOString().slice(0, 10))).toMatchObject({
      jobs: 1,
      drafts: 5,
    });
    expect((await waitForJob(carol.agent, jobs[0].id)).status).toBe('succeeded');
  });
});

describe('the UTC day rolls over (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { GENERATION_DAILY_DRAFTS: '4' } });
    // Two minutes before the next UTC midnight (sessions and cookies need the clock near real time).
    const now = new Date();
    t.clock.set(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1) - 120_000));
  });
  afterAll(async () => {
    await t.close();
    rmDataDir(t.dataDir);
  });

  it('refuses at 23:58 UTC and allows again after 00:00 UTC', async () => {
    await setupAdmin(t);
    const erin = await makeUser(t, 'erin');
    const today = t.clock.now().toISOString().slice(0, 10);
    const tomorrow = new Date(t.clock.now().getTime() + 120_000).toISOString().slice(0, 10);
    await generateJob(erin, 'Late night.', 4);
    const refused = await postGenerate(erin, { prompt: 'Still tonight.', count: 1 });
    expect(refused.status).toBe(429);
    expect(refused.text).toContain(`${tomorrow} 00:00 UTC`);
    expect(Number(refused.headers['retry-after'])).toBe(120);

    t.clock.advance(3 * 60_000); // 00:01 UTC
    expect(leftOn((await erin.agent.get('/').expect(200)).text)).toBe(4);
    const id = await generateJob(erin, 'A new day.', 4);
    expect((await jobOf(t, id)).createdAt).toBe(`${tomorrow}T00:01:00.000Z`);
    expect((await postGenerate(erin, { prompt: 'Over again.', count: 1 })).status).toBe(429);

    const days = (await usageOf(t))[0].days;
    expect(days).toEqual({
      [today]: { jobs: 1, drafts: 4, promptTokens: 0, completionTokens: 0 },
      [tomorrow]: { jobs: 1, drafts: 4, promptTokens: 0, completionTokens: 0 },
    });
  });
});
