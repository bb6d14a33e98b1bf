import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateJob, makeUser, waitForJob } from '../helpers/generation-helpers';
import { jobOf, jobsOf, manifestOf } from '../helpers/generation-state';
import { Agent, createTestApp, rmDataDir, setupAdmin, TestApp } from '../helpers/test-app';
import { describeFilesOnly } from '../helpers/store-mode';

describe('QC and the jobs dashboard (e2e)', () => {
  let t: TestApp;
  let admin: { agent: Agent; csrf: string };
  let alice: { agent: Agent; csrf: string };

  beforeAll(async () => {
    t = await createTestApp({
      env: { GENERATION_DAILY_DRAFTS: '0', GENERATION_QC_BANNED_TERMS: 'lorem ipsum, forbidden phrase' },
    });
    admin = await setupAdmin(t);
    alice = await makeUser(t, 'alice');
  });
  afterAll(async () => {
    await t.close();
    rmDataDir(t.dataDir);
  });

  const check = (manifest: any, name: string) => manifest.qc.checks.find((c: { name: string }) => c.name === name);
  const artifact = (id: string, rel: string) => path.join(t.dataDir, 'jobs', id, rel);

  it('flags a banned term as a warning; the job still succeeds and the pack downloads', async () => {
    const id = await generateJob(alice, 'Explain why Lorem Ipsum placeholder text hurts a launch page.', 2);
    expect((await waitForJob(alice.agent, id)).status).toBe('succeeded');
    const manifest = await manifestOf(t, id);
    expect(manifest.qc.passed).toBe(false);
    expect(check(manifest, 'banned-terms')).toEqual({
      name: 'banned-terms',
      passed: false,
      detail: expect.stringContaining('"lorem ipsum"'),
    });
    expect(check(manifest, 'no-duplicates').passed).toBe(true);
    expect((await jobOf(t, id)).qcPassed).toBe(false);
    const page = await alice.agent.get(`/result/${id}`).expect(200);
    expect(page.text).toContain('1 check(s) raised a warning');
    expect(page.text).toMatch(/data-testid="qc-banned-terms">[\s\S]*?warning/);
    await alice.agent.get(`/download/${id}.zip`).expect(200);
  });

  describeFilesOnly('qc-tampered-files', 're-running QC', () => {
    let id: string;
    let manifestBefore: any;

    beforeAll(async () => {
      id = await generateJob(alice, 'Bicycle maintenance for commuters.', 3);
      await waitForJob(alice.agent, id);
      manifestBefore = await manifestOf(t, id);
      expect(manifestBefore.qc.passed).toBe(true);
    });

    it('detects an artifact changed on disk into a duplicate, rewrites the manifest, audits, redirects back', async () => {
      // Seen before the re-run: the owner's next page must show the new result, not the section rendered now.
      expect((await alice.agent.get(`/result/${id}`).expect(200)).text).toContain('All checks passed.');
      const [first, second] = manifestBefore.files.map((f: { path: string }) => f.path);
      fs.copyFileSync(artifact(id, first), artifact(id, second));
      t.clock.advance(60_000);

      const res = await admin.agent.post(`/admin/jobs/${id}/qc`).type('form').send({ _csrf: admin.csrf });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/admin/jobs/${id}?qc=1`);

      const manifest = await manifestOf(t, id);
      expect(manifest.qc.passed).toBe(false);
      expect(manifest.qc.checked_at).toBe(t.clock.now().toISOString());
      expect(check(manifest, 'no-duplicates')).toMatchObject({
        passed: false,
        detail: expect.stringContaining('identical'),
      });
      expect(check(manifest, 'file-hashes')).toMatchObject({
        passed: false,
        detail: expect.stringContaining(`${second} does not match its sha256`),
      });
      // Everything else in the manifest is unchanged.
      expect({ ...manifest, qc: null }).toEqual({ ...manifestBefore, qc: null });
      expect((await jobOf(t, id)).qcPassed).toBe(false);
      expect((await jobsOf(t)).find((j) => j.id === id)!.qcPassed).toBe(false);

      const audit = fs
        .readFileSync(path.join(t.dataDir, 'audit.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(audit.at(-1)).toMatchObject({ event: 'job.qc_rerun', actor: 'root', job: id, qc_ok: false });

      const page = await admin.agent.get(res.headers.location).expect(200);
      expect(page.text).toContain('data-testid="qc-rerun-done"');
      expect(page.text).toContain('does not match its sha256');
      const ownersPage = (await alice.agent.get(`/result/${id}`).expect(200)).text;
      expect(ownersPage).toContain('2 check(s) raised a warning');
      expect(ownersPage).toMatch(/data-testid="qc-no-duplicates">[\s\S]*?warning/);
    });

    it('flags drafts equal apart from whitespace and case', async () => {
      const [first, second] = manifestBefore.files.map((f: { path: string }) => f.path);
      const text = fs.readFileSync(artifact(id, first), 'utf8');
      fs.writeFileSync(artifact(id, second), `  ${text.toUpperCase().replace(/\n/g, '\n\n')}`);
      await admin.agent.post(`/admin/jobs/${id}/qc`).type('form').send({ _csrf: admin.csrf }).expect(303);
      expect(check(await manifestOf(t, id), 'no-duplicates').detail).toContain(
        'identical apart from whitespace and case',
      );
    });

    it('passes again once the files are restored', async () => {
      const original = manifestBefore.files[1];
      fs.writeFileSync(artifact(id, original.path), 'tampered');
      await admin.agent.post(`/admin/jobs/${id}/qc`).type('form').send({ _csrf: admin.csrf }).expect(303);
      expect(check(await manifestOf(t, id), 'file-hashes').passed).toBe(false);
      // Regenerating is deterministic: a new job with the same brief has the same draft bytes.
      const twin = await generateJob(alice, 'Bicycle maintenance for commuters.', 3);
      await waitForJob(alice.agent, twin);
      expect((await manifestOf(t, twin)).files.map((f: { sha256: string }) => f.sha256)).toEqual(
        manifestBefore.files.map((f: { sha256: string }) => f.sha256),
      );
      fs.copyFileSync(artifact(twin, original.path), artifact(id, original.path));
      await admin.agent.post(`/admin/jobs/${id}/qc`).type('form').send({ _csrf: admin.csrf }).expect(303);
      expect((await manifestOf(t, id)).qc.passed).toBe(true);
      expect((await jobOf(t, id)).qcPassed).toBe(true);
    });

    it('a download with an artifact missing on disk fails cleanly (500 page, no partial zip)', async () => {
      const victim = await generateJob(alice, 'A pack that loses a file.', 2);
      await waitForJob(alice.agent, victim);
      fs.rmSync(artifact(victim, (await manifestOf(t, victim)).files[1].path));
      const res = await alice.agent.get(`/download/${victim}.zip`);
      expect(res.status).toBe(500);
      expect(res.headers['content-type']).toMatch(/html/);
      expect(res.headers['content-disposition']).toBeUndefined();
      expect(res.text).toContain('Some files of this job could not be read');
      await admin.agent.post(`/admin/jobs/${victim}/qc`).type('form').send({ _csrf: admin.csrf }).expect(303);
      expect(check(await manifestOf(t, victim), 'file-hashes').detail).toMatch(/artifacts\/02-.*\.md is missing/);
    });

    it('refuses a non-admin (403) without touching the manifest', async () => {
      const before = fs.readFileSync(artifact(id, 'manifest.json'), 'utf8');
      await alice.agent.post(`/admin/jobs/${id}/qc`).type('form').send({ _csrf: alice.csrf }).expect(403);
      expect(fs.readFileSync(artifact(id, 'manifest.json'), 'utf8')).toBe(before);
    });

    it('refuses a missing CSRF token (403)', async () => {
      await admin.agent.post(`/admin/jobs/${id}/qc`).type('form').send({}).expect(403);
    });
  });

  describe('dashboard', () => {
    it('GET /admin/jobs lists every job with owner, status, provider and QC, newest first', async () => {
      const rootJob = await generateJob(admin, 'Admin brief.', 1);
      await waitForJob(admin.agent, rootJob);
      const res = await admin.agent.get('/admin/jobs').expect(200);
      const ids = [...res.text.matchAll(/data-testid="admin-job-row" data-job-id="([0-9a-f-]{36})"/g)].map((m) => m[1]);
      expect(ids).toEqual((await jobsOf(t)).map((j) => j.id).reverse());
      expect(ids[0]).toBe(rootJob);
      expect(res.text).toContain('<td>alice</td>');
      expect(res.text).toContain('<td>root</td>');
      expect(res.text).toContain('<td>offline</td>');
      expect(res.text).toContain('warnings');
    });

    it('GET /admin/jobs/<id> shows the manifest readably', async () => {
      const [row] = await jobsOf(t);
      const res = await admin.agent.get(`/admin/jobs/${row.id}`).expect(200);
      expect(res.text).toContain('data-testid="manifest-json"');
      expect(res.text).toContain('&quot;job_id&quot;');
      expect(res.text).toContain('data-testid="qc-table"');
      expect(res.text).toContain(`action="/admin/jobs/${row.id}/qc"`);
    });

    it('non-admins get 403 on the dashboard routes', async () => {
      const [row] = await jobsOf(t);
      await alice.agent.get('/admin/jobs').expect(403);
      await alice.agent.get(`/admin/jobs/${row.id}`).expect(403);
    });
  });
});
