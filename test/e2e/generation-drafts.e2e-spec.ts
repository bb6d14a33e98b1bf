import { createHash, randomUUID } from 'node:crypto';
import request from 'supertest';
import {
  binaryParser,
  generateJob,
  jobIdFrom,
  makeUser,
  postGenerate,
  waitForJob,
} from '../helpers/generation-helpers';
import { jobsOf, manifestOf, usageOn } from '../helpers/generation-state';
import { Agent, createTestApp, rmDataDir, setupAdmin, TestApp } from '../helpers/test-app';

type Who = { agent: Agent; csrf: string };

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** A brief that the offline provider quotes into every draft (as a blockquote): markdown to render, and payloads. */
const RICH_BRIEF = [
  'Field notes on markdown rendering.',
  '',
  '## A heading in the brief',
  '',
  '- first item',
  '- second item',
  '',
  '```',
  'const answer = 42;',
  '```',
  '',
  '| tool | use |',
  '| ---- | --- |',
  '| awl  | holes |',
  '',
  'A [safe link](https://example.com/page) and **bold** text.',
].join('\n');

const XSS_BRIEF = [
  'Payloads must stay inert.',
  '',
  '<script>alert("xss")</script>',
  '',
  '<img src=x onerror="alert(1)">',
  '',
  '[click me](javascript:alert(1)) and [data](data:text/html;base64,PHNjcmlwdD4=)',
].join('\n');

describe('drafts in the browser, deleting jobs, /jobs paging (e2e)', () => {
  let t: TestApp;
  let admin: Who;
  let alice: Who;
  let bob: Who;
  let rich: string;

  beforeAll(async () => {
    t = await createTestApp({ env: { GENERATION_DAILY_DRAFTS: '0' } });
    admin = await setupAdmin(t);
    alice = await makeUser(t, 'alice');
    bob = await makeUser(t, 'bob');
    rich = await generateJob(alice, RICH_BRIEF, 3);
    expect((await waitForJob(alice.agent, rich)).status).toBe('succeeded');
  });
  afterAll(async () => {
    await t.close();
    rmDataDir(t.dataDir);
  });

  describe('reading drafts', () => {
    it('the result page lists each draft with title, word count, QC standing and a preview, linking to it', async () => {
      const page = await alice.agent.get(`/result/${rich}`).expect(200);
      const items = [...page.text.matchAll(/data-testid="draft-item"/g)];
      expect(items).toHaveLength(3);
      for (const n of [1, 2, 3]) {
        expect(page.text).toContain(`href="/result/${rich}/drafts/${n}"`);
        expect(page.text).toContain(`href="/result/${rich}/drafts/${n}.md"`);
      }
      expect(page.text).toMatch(/<strong>Field notes on markdown rendering: [^<]+<\/strong>/);
      expect(page.text).toMatch(/\d+ words/);
      expect(page.text).toContain('QC passed');
      expect(page.text).toMatch(/data-testid="draft-preview">_Offline draft 1 of 3/);
      expect(page.headers['cache-control']).toBe('no-store');
      expect(page.headers.etag).toBeUndefined(); // no hash of the body (docs/DECISIONS.md)
    });

    it('GET /result/<id>/drafts/<n> renders headings, lists, code, tables and links with rel=noopener noreferrer nofollow', async () => {
      const res = await alice.agent.get(`/result/${rich}/drafts/1`).expect(200);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      const body = /data-testid="draft-body">([\s\S]*?)<\/article>/.exec(res.text)![1];
      expect(body).toMatch(/<h1>Field notes on markdown rendering: /);
      expect(body).toContain('<h2>A heading in the brief</h2>');
      expect(body).toMatch(/<ul>\s*<li>first item<\/li>\s*<li>second item<\/li>\s*<\/ul>/);
      expect(body).toContain('<pre><code>const answer = 42;\n</code></pre>');
      expect(body).toMatch(/<table>[\s\S]*<th>tool<\/th>[\s\S]*<td>awl<\/td>[\s\S]*<\/table>/);
      expect(body).toContain('<a href="https://example.com/page" rel="noopener noreferrer nofollow">safe link</a>');
      expect(body).toContain('<strong>bold</strong>');
      // The CSP is as strict as before: no inline script allowed.
      expect(res.headers['content-security-policy']).toMatch(/script-src 'self'/);
      expect(res.headers['content-security-policy']).not.toMatch(/script-src[^;]*unsafe-inline/);
    });

    it('links to the job and to the previous/next drafts', async () => {
      const first = (await alice.agent.get(`/result/${rich}/drafts/1`).expect(200)).text;
      expect(first).toContain(`href="/result/${rich}" data-testid="draft-back"`);
      expect(first).not.toContain('data-testid="draft-prev"');
      expect(first).toContain(`href="/result/${rich}/drafts/2" rel="next"`);
      const middle = (await alice.agent.get(`/result/${rich}/drafts/2`).expect(200)).text;
      expect(middle).toContain(`href="/result/${rich}/drafts/1" rel="prev"`);
      expect(middle).toContain(`href="/result/${rich}/drafts/3" rel="next"`);
      const last = (await alice.agent.get(`/result/${rich}/drafts/3`).expect(200)).text;
      expect(last).not.toContain('data-testid="draft-next"');
    });

    it('GET /result/<id>/drafts/<n>.md downloads the exact bytes the manifest hashes', async () => {
      const manifest = await manifestOf(t, rich);
      for (const [i, file] of manifest.files.entries()) {
        const res = await alice.agent
          .get(`/result/${rich}/drafts/${i + 1}.md`)
          .buffer(true)
          .parse(binaryParser)
          .expect(200);
        expect(res.headers['content-type']).toBe('text/markdown; charset=utf-8');
        expect(res.headers['content-disposition']).toBe(
          `attachment; filename="${file.path.slice('artifacts/'.length)}"`,
        );
        const bytes = res.body as Buffer;
        expect(bytes.length).toBe(file.bytes);
        expect(sha256(bytes)).toBe(file.sha256);
      }
    });

    it('an admin reads anyone’s drafts', async () => {
      await admin.agent.get(`/result/${rich}/drafts/2`).expect(200);
      await admin.agent.get(`/result/${rich}/drafts/2.md`).expect(200);
    });

    it.each([
      ['n = 0', (id: string) => `/result/${id}/drafts/0`],
      ['n past the count', (id: string) => `/result/${id}/drafts/4`],
      ['n past the count (.md)', (id: string) => `/result/${id}/drafts/4.md`],
      ['n not a number', (id: string) => `/result/${id}/drafts/abc`],
      ['n negative', (id: string) => `/result/${id}/drafts/-1`],
      ['n with a path', (id: string) => `/result/${id}/drafts/..%2F..%2Fmanifest.json`],
      ['n with leading zero', (id: string) => `/result/${id}/drafts/01`],
      ['an unknown job', () => `/result/${randomUUID()}/drafts/1`],
      ['a non-UUID id', () => '/result/not-a-uuid/drafts/1'],
      ['a non-UUID id (.md)', () => '/result/..%2Fusers/drafts/1.md'],
    ])('%s → 404', async (_name, url) => {
      await alice.agent.get(url(rich)).expect(404);
    });

    it("another user's draft is a 404, page and .md", async () => {
      await bob.agent.get(`/result/${rich}/drafts/1`).expect(404);
      await bob.agent.get(`/result/${rich}/drafts/1.md`).expect(404);
    });

    it('anonymous readers are sent to log in', async () => {
      const res = await request(t.http).get(`/result/${rich}/drafts/1`);
      expect([302, 303]).toContain(res.status);
      expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(`/result/${rich}/drafts/1`)}`);
    });

    it('script, onerror and javascript: payloads in the brief come out inert (shown as text, never run)', async () => {
      const id = await generateJob(alice, XSS_BRIEF, 1);
      await waitForJob(alice.agent, id);
      const res = await alice.agent.get(`/result/${id}/drafts/1`).expect(200);
      const body = /data-testid="draft-body">([\s\S]*?)<\/article>/.exec(res.text)![1];
      expect(res.text).not.toContain('<script>alert');
      expect(res.text).not.toMatch(/<img[^>]*onerror/i);
      expect(res.text).not.toMatch(/href="javascript:/i);
      expect(res.text).not.toMatch(/href="data:/i);
      expect(body).toContain('&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;');
      expect(body).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
      expect(body).toContain('[click me](javascript:alert(1))');
      const list = await alice.agent.get(`/result/${id}`).expect(200);
      expect(list.text).not.toContain('<script>alert');
    });
  });

  describe('deleting a job', () => {
    const del = (who: Who, id: string, fields: Record<string, string> = { confirm: 'yes' }) =>
      who.agent
        .post(`/result/${id}/delete`)
        .type('form')
        .send({ _csrf: who.csrf, ...fields });

    it('the owner deletes a finished job: 303 to /jobs, files and entry gone, usage still counted, audited', async () => {
      const id = await generateJob(alice, 'A job to delete.', 2);
      await waitForJob(alice.agent, id);
      const page = await alice.agent.get(`/result/${id}`).expect(200);
      expect(page.text).toContain(`action="/result/${id}/delete"`);
      expect(page.text).toContain('name="confirm"');
      const aliceId = (await jobsOf(t, 'alice'))[0].ownerId;
      const today = t.clock.now().toISOString().slice(0, 10);
      const before = await usageOn(t, aliceId, today);

      const res = await del(alice, id);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/jobs');
      expect((await jobsOf(t)).map((j) => j.id)).not.toContain(id);
      await alice.agent.get(`/result/${id}`).expect(404);
      await alice.agent.get(`/api/job/${id}`).expect(404);
      await alice.agent.get(`/result/${id}/drafts/1.md`).expect(404);
      await expect(manifestOf(t, id)).rejects.toThrow('no manifest');
      expect(await usageOn(t, aliceId, today)).toEqual(before);
      const audit = await admin.agent.get('/admin').expect(200);
      expect(audit.text).toContain('job.delete');
    });

    it('an admin deletes anyone’s finished job', async () => {
      const id = await generateJob(bob, 'Bob’s job, deleted by an admin.', 1);
      await waitForJob(bob.agent, id);
      expect((await del(admin, id)).status).toBe(303);
      await bob.agent.get(`/result/${id}`).expect(404);
    });

    it("another user's job is a 404 and stays", async () => {
      const id = await generateJob(alice, 'Not Bob’s to delete.', 1);
      await waitForJob(alice.agent, id);
      expect((await del(bob, id)).status).toBe(404);
      await alice.agent.get(`/result/${id}`).expect(200);
    });

    it('without the confirm checkbox: 400 and the job stays', async () => {
      const id = await generateJob(alice, 'Unconfirmed delete.', 1);
      await waitForJob(alice.agent, id);
      expect((await del(alice, id, {})).status).toBe(400);
      await alice.agent.get(`/result/${id}`).expect(200);
    });

    it('a bad CSRF token: 403 and the job stays', async () => {
      const id = await generateJob(alice, 'CSRF-protected delete.', 1);
      await waitForJob(alice.agent, id);
      const res = await alice.agent.post(`/result/${id}/delete`).type('form').send({ _csrf: 'wrong', confirm: 'yes' });
      expect(res.status).toBe(403);
      await alice.agent.get(`/result/${id}`).expect(200);
    });

    it('a non-UUID or unknown id is a 404', async () => {
      expect((await del(alice, 'not-a-uuid')).status).toBe(404);
      expect((await del(alice, randomUUID())).status).toBe(404);
    });
  });

  describe('/jobs', () => {
    it("shows each job's brief (shortened, full text on hover) and pages 50 at a time with ?before=", async () => {
      const carol = await makeUser(t, 'carol');
      const long = `The longest brief of all ${'x'.repeat(120)}`;
      for (let i = 0; i < 51; i++) {
        jobIdFrom(await postGenerate(carol, { prompt: i === 50 ? long : `Carol brief number ${i}.`, count: 1 }));
      }
      const first = await carol.agent.get('/jobs').expect(200);
      const ids = [...first.text.matchAll(/data-testid="job-row" data-job-id="([0-9a-f-]{36})"/g)].map((m) => m[1]);
      expect(ids).toHaveLength(50);
      const all = (await jobsOf(t, 'carol')).map((j) => j.id).reverse();
      expect(ids).toEqual(all.slice(0, 50));
      expect(first.text).toMatch(/data-testid="job-brief" title="The longest brief of all x+…">The longest brief/);
      expect(first.text).toContain('Carol brief number 49.');
      const older = /href="\/jobs\?before=([0-9a-f-]{36})" data-testid="jobs-older"/.exec(first.text)![1];
      expect(older).toBe(ids[49]);

      const second = await carol.agent.get(`/jobs?before=${older}`).expect(200);
      const rest = [...second.text.matchAll(/data-testid="job-row" data-job-id="([0-9a-f-]{36})"/g)].map((m) => m[1]);
      expect(rest).toEqual([all[50]]);
      expect(second.text).toContain('Carol brief number 0.');
      expect(second.text).not.toContain('data-testid="jobs-older"');
      await carol.agent.get('/jobs?before=not-a-cursor').expect(400);
      const adminList = await admin.agent.get('/admin/jobs').expect(200);
      expect(adminList.text).toContain('data-testid="admin-job-brief"');
    });
  });
});

describe('the jobs JSON API (e2e)', () => {
  let t: TestApp;
  let alice: Who;
  let bob: Who;

  beforeAll(async () => {
    t = await createTestApp({ env: { GENERATION_DAILY_DRAFTS: '6' } });
    await setupAdmin(t);
    alice = await makeUser(t, 'alice');
    bob = await makeUser(t, 'bob');
  });
  afterAll(async () => {
    await t.close();
    rmDataDir(t.dataDir);
  });

  const create = (who: Who, body: unknown, csrf = who.csrf) =>
    who.agent
      .post('/api/jobs')
      .set('x-csrf-token', csrf)
      .send(body as object);

  it('POST /api/jobs creates a job: 201 with its status JSON', async () => {
    const res = await create(alice, { prompt: 'From a script.', count: 2 }).expect(201);
    expect(res.headers['content-type']).toMatch(/json/);
    expect(res.body).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      owner: 'alice',
      status: 'queued',
      prompt: 'From a script.',
      count: 2,
      links: { result: `/result/${res.body.id}` },
    });
    expect((await waitForJob(alice.agent, res.body.id)).status).toBe('succeeded');
  });

  it.each([
    ['a missing prompt', { count: 1 }, 'prompt'],
    ['a blank prompt', { prompt: '   ', count: 1 }, 'prompt'],
    ['a prompt too long', { prompt: 'x'.repeat(4001), count: 1 }, 'prompt'],
    ['count 0', { prompt: 'ok', count: 0 }, 'count'],
    ['count 11', { prompt: 'ok', count: 11 }, 'count'],
    ['count 2.5', { prompt: 'ok', count: 2.5 }, 'count'],
  ])('%s → 400 JSON naming the field, no job', async (_name, body, field) => {
    const before = (await jobsOf(t, 'alice')).length;
    const res = await create(alice, body).expect(400);
    expect(res.headers['content-type']).toMatch(/json/);
    expect(res.body.error).toEqual(expect.any(String));
    expect(Object.keys(res.body.fields ?? {})).toContain(field);
    expect(await jobsOf(t, 'alice')).toHaveLength(before);
  });

  it('over the quota → 429 JSON with the limit and the reset time, Retry-After, no job', async () => {
    const before = (await jobsOf(t, 'alice')).length;
    const res = await create(alice, { prompt: 'Too many.', count: 5 }).expect(429);
    expect(res.headers['content-type']).toMatch(/json/);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    expect(res.body).toMatchObject({
      error: expect.stringContaining('Daily limit reached'),
      limit: 6,
      left: 4,
      resets_at: expect.stringMatching(/T00:00:00\.000Z$/),
    });
    expect(await jobsOf(t, 'alice')).toHaveLength(before);
  });

  it('a write without the x-csrf-token header is refused (403 JSON) and anonymous calls get 401 JSON', async () => {
    const res = await alice.agent.post('/api/jobs').send({ prompt: 'No token.', count: 1 });
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(/json/);
    expect(res.body).toEqual({ error: expect.any(String) });
    const anon = await request(t.http).post('/api/jobs').send({ prompt: 'x', count: 1 });
    expect(anon.status).toBe(401);
    expect(anon.body).toEqual({ error: expect.any(String) });
    await request(t.http).get('/api/jobs').expect(401);
  });

  it('GET /api/jobs lists own jobs newest first, with limit and the before cursor', async () => {
    for (let i = 0; i < 3; i++) await create(bob, { prompt: `Bob ${i}.`, count: 1 }).expect(201);
    const all = (await jobsOf(t, 'bob')).map((j) => j.id).reverse();
    const page = await bob.agent.get('/api/jobs?limit=2').expect(200);
    expect(page.body.jobs.map((j: { id: string }) => j.id)).toEqual(all.slice(0, 2));
    expect(page.body.jobs[0]).toMatchObject({ brief: 'Bob 2.', count: 1, links: { self: `/api/job/${all[0]}` } });
    expect(page.body.next_cursor).toBe(all[1]);
    const next = await bob.agent.get(`/api/jobs?limit=2&before=${page.body.next_cursor}`).expect(200);
    expect(next.body).toMatchObject({ jobs: [expect.objectContaining({ id: all[2] })], next_cursor: null });
    const own = await alice.agent.get('/api/jobs').expect(200);
    expect(own.body.jobs.map((j: { id: string }) => j.id)).not.toContain(all[0]);
  });

  it.each([['limit=0'], ['limit=101'], ['limit=abc'], ['before=not-a-cursor']])(
    'GET /api/jobs?%s → 400 JSON',
    async (query) => {
      const res = await alice.agent.get(`/api/jobs?${query}`).expect(400);
      expect(res.headers['content-type']).toMatch(/json/);
      expect(res.body.error).toEqual(expect.any(String));
    },
  );
});
