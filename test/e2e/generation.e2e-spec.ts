import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';
import {
  binaryParser,
  generateJob,
  jobIdFrom,
  makeUser,
  postGenerate,
  unzip,
  waitForJob,
} from '../helpers/generation-helpers';
import { jobOf, jobsOf, manifestOf } from '../helpers/generation-state';
import { ArtifactStore } from '../../src/generation/artifacts/artifact-store';
import { Agent, createTestApp, rmDataDir, setupAdmin, TestApp } from '../helpers/test-app';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('generation (e2e)', () => {
  let t: TestApp;
  let admin: { agent: Agent; csrf: string };
  let alice: { agent: Agent; csrf: string };
  let bob: { agent: Agent; csrf: string };

  beforeAll(async () => {
    t = await createTestApp({ env: { GENERATION_DAILY_DRAFTS: '0' } });
    admin = await setupAdmin(t);
    alice = await makeUser(t, 'alice');
    bob = await makeUser(t, 'bob');
  });
  afterAll(async () => {
    await t.close();
    rmDataDir(t.dataDir);
  });

  describe('the whole flow', () => {
    let id: string;

    it('POST /generate answers 303 to /result/<uuid> at once with the job queued on disk', async () => {
      const res = await postGenerate(alice, {
        prompt: 'Remote work for small teams. Cover tools and habits.',
        count: 3,
      });
      id = jobIdFrom(res);
      const job = await jobOf(t, id);
      expect(job).toMatchObject({
        id,
        owner: 'alice',
        count: 3,
        prompt: 'Remote work for small teams. Cover tools and habits.',
      });
      expect(['queued', 'running', 'succeeded']).toContain(job.status);
      expect(job.createdAt).toBe(t.clock.now().toISOString());
    });

    it('the job succeeds in the background with the offline provider', async () => {
      const body = await waitForJob(alice.agent, id);
      expect(body).toMatchObject({ id, status: 'succeeded', provider: 'offline', count: 3, error: null });
      expect(body.usage).toEqual({ drafts: 3, prompt_tokens: 0, completion_tokens: 0 });
      const job = await jobOf(t, id);
      expect(job.status).toBe('succeeded');
      expect(job.startedAt).toEqual(expect.any(String));
      expect(job.finishedAt).toEqual(expect.any(String));
      expect(job.usage).toEqual({ drafts: 3, promptTokens: 0, completionTokens: 0 });
    });

    it('writes artifacts NN-<slug>.md and a manifest per SPEC §8 whose hashes match the files', async () => {
      const manifest = await manifestOf(t, id);
      expect(manifest).toMatchObject({
        job_id: id,
        owner: 'alice',
        prompt: 'Remote work for small teams. Cover tools and habits.',
        provider: 'offline',
        model: expect.any(String),
        created_at: expect.any(String),
        finished_at: expect.any(String),
        usage: { drafts: 3, prompt_tokens: 0, completion_tokens: 0 },
      });
      expect(manifest.files).toHaveLength(3);
      // The stored bytes (files: jobs/<id>/artifacts/; postgres: job_files), read through the ArtifactStore.
      const files = manifest.files as Array<{ path: string; bytes: number; sha256: string }>;
      const stored = await t.app.get(ArtifactStore).readArtifacts(
        id,
        files.map((file) => file.path),
      );
      files.forEach((file, i: number) => {
        expect(file.path).toMatch(new RegExp(`^artifacts/0${i + 1}-[a-z0-9-]+\\.md$`));
        const data = stored[i].content!;
        expect(file.bytes).toBe(data.length);
        expect(file.sha256).toBe(sha256(data));
      });
      if (t.store === 'files') {
        for (const file of files) {
          const onDisk = fs.readFileSync(path.join(t.dataDir, 'jobs', id, file.path));
          expect(file.sha256).toBe(sha256(onDisk));
        }
      }
      expect(manifest.qc.passed).toBe(true);
      expect(manifest.qc.checks.map((c: { name: string }) => c.name)).toEqual([
        'non-empty',
        'word-count',
        'no-duplicates',
        'banned-terms',
        'file-hashes',
      ]);
    });

    it('GET /api/job/<id>/manifest returns the manifest from disk', async () => {
      const res = await alice.agent.get(`/api/job/${id}/manifest`).expect(200);
      expect(res.body).toEqual(await manifestOf(t, id));
    });

    it('GET /download/<id>.zip streams artifacts + manifest.json whose sha256 match the manifest', async () => {
      const res = await alice.agent.get(`/download/${id}.zip`).buffer(true).parse(binaryParser).expect(200);
      expect(res.headers['content-type']).toMatch(/application\/zip/);
      expect(res.headers['content-disposition']).toBe(`attachment; filename="${id}.zip"`);
      // Streamed as it is built: no Content-Length computed up front from a buffered zip.
      expect(res.headers['content-length']).toBeUndefined();
      expect(res.headers['transfer-encoding']).toBe('chunked');
      const files = await unzip(res.body as Buffer);
      const manifest = JSON.parse(files.get('manifest.json')!.toString('utf8'));
      expect(manifest).toEqual(await manifestOf(t, id));
      expect([...files.keys()].sort()).toEqual(
        [...manifest.files.map((f: { path: string }) => f.path), 'manifest.json'].sort(),
      );
      for (const file of manifest.files) {
        const data = files.get(file.path)!;
        expect(sha256(data)).toBe(file.sha256);
        expect(data.length).toBe(file.bytes);
      }
    });

    it('the result page shows status, provider label, artifacts, QC and the download link, without refreshing', async () => {
      const res = await alice.agent.get(`/result/${id}`).expect(200);
      expect(res.text).toMatch(/data-testid="job-status">succeeded</);
      expect(res.text).toContain('offline');
      expect(res.text).toContain('artifacts/01-');
      expect(res.text).toContain('data-testid="qc-table"');
      expect(res.text).toContain(`href="/download/${id}.zip"`);
      expect(res.text).not.toContain('http-equiv="refresh"');
      expect(res.text).not.toMatch(/<script(?![^>]*src=)/);
    });

    it("GET /jobs lists the user's own jobs, newest first", async () => {
      const second = await generateJob(alice, 'A second brief about gardening.', 1);
      await waitForJob(alice.agent, second);
      const res = await alice.agent.get('/jobs').expect(200);
      const ids = [...res.text.matchAll(/data-job-id="([0-9a-f-]{36})"/g)].map((m) => m[1]);
      expect(ids).toEqual([second, id]);
      const bobs = await bob.agent.get('/jobs').expect(200);
      expect(bobs.text).not.toContain(id);
      expect(bobs.text).toContain('data-testid="jobs-empty"');
    });
  });

  describe('ownership', () => {
    let id: string;
    beforeAll(async () => {
      id = await generateJob(alice, 'Private brief of alice.', 2);
      await waitForJob(alice.agent, id);
    });

    it('another user gets 404 on every job route', async () => {
      await bob.agent.get(`/result/${id}`).expect(404);
      await bob.agent.get(`/api/job/${id}`).expect(404);
      await bob.agent.get(`/api/job/${id}/manifest`).expect(404);
      await bob.agent.get(`/download/${id}.zip`).expect(404);
      const res = await bob.agent.get(`/api/job/${id}`);
      expect(res.body).toEqual({ error: 'No such job.' });
    });

    it('the admin gets 200 on every job route', async () => {
      await admin.agent.get(`/result/${id}`).expect(200);
      await admin.agent.get(`/api/job/${id}`).expect(200);
      await admin.agent.get(`/api/job/${id}/manifest`).expect(200);
      await admin.agent.get(`/download/${id}.zip`).buffer(true).parse(binaryParser).expect(200);
      await admin.agent.get(`/admin/jobs/${id}`).expect(200);
    });

    it('anonymous visitors are sent to log in (HTML) or get 401 (API)', async () => {
      const page = await request(t.http).get(`/result/${id}`);
      expect(page.status).toBe(303);
      expect(page.headers.location).toBe(`/login?next=${encodeURIComponent(`/result/${id}`)}`);
      await request(t.http).get(`/api/job/${id}`).expect(401);
      const zip = await request(t.http).get(`/download/${id}.zip`);
      expect(zip.status).toBe(303);
    });

    it('a well-formed id that does not exist is a 404', async () => {
      const missing = '00000000-0000-4000-8000-000000000000';
      await alice.agent.get(`/result/${missing}`).expect(404);
      await alice.agent.get(`/api/job/${missing}`).expect(404);
      await alice.agent.get(`/download/${missing}.zip`).expect(404);
      expect(fs.existsSync(path.join(t.dataDir, 'jobs', missing))).toBe(false);
    });
  });

  describe('validation', () => {
    const cases: Array<[string, Record<string, string>, string]> = [
      ['count 0', { prompt: 'ok', count: '0' }, 'count'],
      ['count 11', { prompt: 'ok', count: '11' }, 'count'],
      ['count abc', { prompt: 'ok', count: 'abc' }, 'count'],
      ['count 2.5', { prompt: 'ok', count: '2.5' }, 'count'],
      ['empty prompt', { prompt: '', count: '1' }, 'prompt'],
      ['blank prompt', { prompt: '   ', count: '1' }, 'prompt'],
      ['4001-character prompt', { prompt: 'x'.repeat(4001), count: '1' }, 'prompt'],
    ];

    it.each(cases)('%s → 400, the form re-rendered with the error, no job', async (_name, fields, field) => {
      const before = (await jobsOf(t)).length;
      const res = await postGenerate(alice, fields);
      expect(res.status).toBe(400);
      expect(res.text).toContain('data-testid="generate-form"');
      expect(res.text).toContain(`id="${field}-error"`);
      if (field === 'count') expect(res.text).toContain('Choose between 1 and 10 drafts.');
      else expect(res.text).toMatch(/Write a brief\.|at most 4000 characters/);
      expect(await jobsOf(t)).toHaveLength(before);
    });

    it('keeps what the user typed when re-rendering', async () => {
      const res = await postGenerate(alice, { prompt: 'Keep this brief', count: '99' });
      expect(res.status).toBe(400);
      expect(res.text).toContain('>Keep this brief</textarea>');
    });

    it('accepts exactly 4000 characters and count 10', async () => {
      const id = jobIdFrom(await postGenerate(alice, { prompt: 'y'.repeat(4000), count: '10' }));
      const body = await waitForJob(alice.agent, id);
      expect(body.status).toBe('succeeded');
      expect(body.files).toHaveLength(10);
    });

    it('refuses POST /generate without a CSRF token (403) and creates no job', async () => {
      const before = (await jobsOf(t)).length;
      await alice.agent.post('/generate').type('form').send({ prompt: 'x', count: '1' }).expect(403);
      expect(await jobsOf(t)).toHaveLength(before);
    });
  });

  describe('ids that are not UUIDs', () => {
    it.each([
      '/download/..%2F..%2Fusers.json.zip',
      '/result/..%2Fusers',
      '/result/..%2F..%2Fusers.json',
      '/api/job/..%2Fusers',
      '/api/job/..%2F..%2Fusers.json/manifest',
      '/download/not-a-uuid.zip',
      '/result/12345',
      '/admin/jobs/..%2Fusers',
    ])('%s → 404', async (url) => {
      const who = url.startsWith('/admin') ? admin : alice;
      const res = await who.agent.get(url);
      expect(res.status).toBe(404);
      expect(res.text).not.toContain('password_hash');
    });
  });

  it('the landing page carries the form for users and a log-in prompt for visitors', async () => {
    const page = await alice.agent.get('/').expect(200);
    expect(page.text).toContain('action="/generate"');
    expect(page.text).toContain('name="prompt"');
    expect(page.text).toContain('name="count"');
    const anon = await request(t.http).get('/').expect(200);
    expect(anon.text).toContain('Log in to generate');
    expect(anon.text).not.toContain('action="/generate"');
  });
});
