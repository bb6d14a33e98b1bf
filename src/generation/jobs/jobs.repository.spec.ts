import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AppConfig } from '../../config/app-config';
import { JsonStore } from '../../persistence/json/json-store.service';
import { emptyUsage, JobRecord } from './job.model';
import { JobsRepository, sha256 } from './jobs.repository';

function job(fields: Partial<JobRecord> = {}): JobRecord {
  return {
    id: randomUUID(),
    owner: 'alice',
    owner_id: 'u-alice',
    prompt: 'A brief.',
    count: 2,
    status: 'queued',
    provider: 'offline',
    model: 'offline-template-v1',
    created_at: '2026-06-10T10:00:00.000Z',
    started_at: null,
    finished_at: null,
    error: null,
    usage: emptyUsage(),
    qc_passed: null,
    claimed_by: null,
    attempts: 0,
    ...fields,
  };
}

describe('JobsRepository (on a temp DATA_DIR)', () => {
  let dataDir: string;
  let store: JsonStore;
  let repo: JobsRepository;

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-jobs-'));
    store = new JsonStore({ dataDir } as AppConfig);
    repo = new JobsRepository(store);
  });
  afterEach(async () => {
    await store.flush();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const read = (rel: string) => JSON.parse(fs.readFileSync(path.join(dataDir, rel), 'utf8'));

  it('create() writes job.json and an index row', async () => {
    const j = job();
    await repo.create(j);
    expect(read(`jobs/${j.id}/job.json`)).toEqual(j);
    expect(read('jobs/index.json').jobs).toEqual([
      expect.objectContaining({
        id: j.id,
        owner: 'alice',
        owner_id: 'u-alice',
        status: 'queued',
        count: 2,
        provider: 'offline',
      }),
    ]);
    expect(await repo.get(j.id)).toEqual(j);
  });

  it('get() returns undefined for non-UUIDs, unknown ids and vanished folders, creating nothing', async () => {
    const j = job();
    await repo.create(j);
    expect(await repo.get('../users')).toBeUndefined();
    expect(await repo.get('..%2Fusers.json')).toBeUndefined();
    const unknown = randomUUID();
    expect(await repo.get(unknown)).toBeUndefined();
    expect(fs.existsSync(path.join(dataDir, 'jobs', unknown))).toBe(false);
    fs.rmSync(path.join(dataDir, 'jobs', j.id), { recursive: true });
    expect(await repo.get(j.id)).toBeUndefined();
    expect(fs.existsSync(path.join(dataDir, 'jobs', j.id))).toBe(false);
  });

  it('update() changes job.json and mirrors status, usage and QC into the index, keeping the claim while running', async () => {
    const j = job();
    await repo.create(j);
    await repo.mutateIndex((rows) => {
      rows[0].status = 'running';
      rows[0].claimed_by = 4242;
      rows[0].claimed_by_runner = 'r1';
    });
    await repo.update(j.id, (record) => {
      record.status = 'running';
      record.claimed_by = 4242;
    });
    expect(read('jobs/index.json').jobs[0]).toMatchObject({
      status: 'running',
      claimed_by: 4242,
      claimed_by_runner: 'r1',
    });

    const updated = await repo.update(j.id, (record) => {
      record.status = 'succeeded';
      record.usage = { drafts: 2, prompt_tokens: 3, completion_tokens: 4 };
      record.qc_passed = false;
      record.finished_at = '2026-06-10T10:01:00.000Z';
    });
    expect(updated).toMatchObject({ status: 'succeeded', qc_passed: false });
    expect(read(`jobs/${j.id}/job.json`).status).toBe('succeeded');
    expect(read('jobs/index.json').jobs[0]).toMatchObject({
      status: 'succeeded',
      qc_passed: false,
      usage: { drafts: 2, prompt_tokens: 3, completion_tokens: 4 },
      finished_at: '2026-06-10T10:01:00.000Z',
      claimed_by: null,
      claimed_by_runner: null,
    });
  });

  it('update() leaves the job untouched when the change returns false', async () => {
    const j = job();
    await repo.create(j);
    expect(await repo.update(j.id, () => false)).toBeUndefined();
    expect(read(`jobs/${j.id}/job.json`)).toEqual(j);
  });

  it('writes artifacts (replacing old ones) with sizes and sha256, reads them back, and the manifest', async () => {
    const j = job();
    await repo.create(j);
    fs.mkdirSync(path.join(dataDir, 'jobs', j.id, 'artifacts'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'jobs', j.id, 'artifacts', 'stale.md'), 'old');
    const files = await repo.writeArtifacts(j.id, [
      { name: '01-a.md', content: '# A\n' },
      { name: '02-b.md', content: 'héllo\n' },
    ]);
    expect(files).toEqual([
      { path: 'artifacts/01-a.md', bytes: 4, sha256: sha256('# A\n') },
      { path: 'artifacts/02-b.md', bytes: 7, sha256: sha256('héllo\n') },
    ]);
    expect(fs.readdirSync(path.join(dataDir, 'jobs', j.id, 'artifacts')).sort()).toEqual(['01-a.md', '02-b.md']);
    const back = await repo.readArtifacts(j.id, ['artifacts/01-a.md', 'artifacts/missing.md', '../../users.json']);
    expect(back.map((a) => a.content?.toString())).toEqual(['# A\n', undefined, undefined]);

    expect(await repo.readManifest(j.id)).toBeUndefined();
    const manifest = { job_id: j.id, files } as never;
    await repo.writeManifest(j.id, manifest);
    expect(await repo.readManifest(j.id)).toEqual({ job_id: j.id, files });
  });

  it('refuses artifact names and file paths that could leave the job folder', async () => {
    const j = job();
    await repo.create(j);
    await expect(repo.writeArtifacts(j.id, [{ name: '../escape.md', content: 'x' }])).rejects.toThrow(
      'Bad artifact name',
    );
    await expect(repo.openFile(j.id, '../../users.json')).rejects.toThrow('Path outside job folder');
    await expect(repo.openFile('not-a-uuid', 'manifest.json')).rejects.toThrow();
    await expect(repo.openFile(j.id, 'manifest.json')).rejects.toThrow(/ENOENT/);
  });

  it('adoptOrphans() rebuilds a missing index from job folders in creation order, skipping junk', async () => {
    const older = job({ created_at: '2026-06-01T00:00:00.000Z', status: 'succeeded' });
    const newer = job({ created_at: '2026-06-02T00:00:00.000Z', status: 'running' });
    for (const j of [newer, older]) {
      fs.mkdirSync(path.join(dataDir, 'jobs', j.id), { recursive: true });
      fs.writeFileSync(path.join(dataDir, 'jobs', j.id, 'job.json'), JSON.stringify(j));
    }
    fs.mkdirSync(path.join(dataDir, 'jobs', 'not-a-job'), { recursive: true });
    const broken = randomUUID();
    fs.mkdirSync(path.join(dataDir, 'jobs', broken), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'jobs', broken, 'job.json'), '{ half');

    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    expect(await repo.indexExists()).toBe(false);
    expect(await repo.adoptOrphans()).toBe(2);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining(`Skipping job folder ${broken}`));
    expect((await repo.entries()).map((e) => [e.id, e.status])).toEqual([
      [older.id, 'succeeded'],
      [newer.id, 'running'],
    ]);
    expect(await repo.adoptOrphans()).toBe(0);
    warn.mockRestore();
  });

  it('mutateIndex() is atomic per call: concurrent claims never take the same job', async () => {
    for (let i = 0; i < 3; i++) await repo.create(job({ created_at: `2026-06-10T10:00:0${i}.000Z` }));
    const claim = () =>
      repo.mutateIndex((rows) => {
        const next = rows.find((r) => r.status === 'queued');
        if (!next) return undefined;
        next.status = 'running';
        return next.id;
      });
    const claimed = await Promise.all(Array.from({ length: 6 }, claim));
    const ids = claimed.filter(Boolean);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
  });
});
