import * as fs from 'node:fs';
import * as path from 'node:path';
import { CAROL_ID, FilesSite, writeFilesSite } from '../../../test/helpers/files-site';
import { MemoryArtifactStore } from '../../generation/persistence/memory/memory-artifact.store';
import { MemoryJobsRepository } from '../../generation/persistence/memory/memory-jobs.repository';
import { MemoryUsageLedgerRepository } from '../../generation/persistence/memory/memory-usage-ledger.repository';
import { FilesSiteReader, SourceFileError } from './files-site.reader';
import { GenerationImportStep } from './generation-import.step';
import { ImportReport } from './import-steps';

/** The step over the memory repositories (the postgres ones run it in files-import-app.pg-spec.ts). */
describe('GenerationImportStep', () => {
  let site: FilesSite;
  let jobs: MemoryJobsRepository;
  let artifacts: MemoryArtifactStore;
  let usage: MemoryUsageLedgerRepository;
  let report: ImportReport;

  beforeEach(() => {
    site = writeFilesSite();
    jobs = new MemoryJobsRepository();
    artifacts = new MemoryArtifactStore();
    usage = new MemoryUsageLedgerRepository();
    report = { counts: [], notes: [] };
  });
  afterEach(() => site.remove());

  const run = () => new GenerationImportStep(jobs, artifacts, usage).run(new FilesSiteReader(site.dir), report);

  it('copies the jobs oldest first, with their drafts, manifests and the usage ledger', async () => {
    await run();
    expect(report.counts).toEqual([
      { kind: 'jobs', count: 2, detail: '1 queued or running: the runners take them up' },
      { kind: 'drafts', count: 2 },
      { kind: 'manifests', count: 1 },
      { kind: 'usage ledger', count: 1, detail: 'user(s), 1 user-day(s)' },
    ]);
    expect((await jobs.allJobs()).map((j) => [j.id, j.status])).toEqual([
      [site.doneJobId, 'succeeded'],
      [site.queuedJobId, 'queued'],
    ]);
    const done = await jobs.findJob(site.doneJobId);
    expect(done).toMatchObject({
      ownerId: CAROL_ID,
      attempts: 1,
      qcPassed: true,
      finishedAt: '2026-03-02T12:00:02.000Z',
    });
    const manifest = await artifacts.readManifest(site.doneJobId);
    expect(manifest?.files.map((f) => f.path)).toEqual(Object.keys(site.drafts));
    const read = await artifacts.readArtifacts(site.doneJobId, Object.keys(site.drafts));
    expect(read.map((a) => a.content?.toString('utf8'))).toEqual(Object.values(site.drafts));
    // The stored drafts still match the manifest's hashes (QC's "files match their hashes").
    const written = await artifacts.writeArtifacts(site.doneJobId, [
      ...Object.entries(site.drafts).map(([rel, content]) => ({ name: path.basename(rel), content })),
    ]);
    expect(written).toEqual(manifest?.files);
    expect(await usage.draftsUsed(CAROL_ID, '2026-03-02')).toBe(4);
  });

  it('a damaged job.json stops the step naming the file', async () => {
    fs.writeFileSync(path.join(site.dir, 'jobs', site.queuedJobId, 'job.json'), '{"id": 1}');
    await expect(run()).rejects.toThrow(SourceFileError);
    await expect(run()).rejects.toThrow(`${site.queuedJobId}/job.json: expected "id" to be a string`);
  });

  it('without usage.json, says the ledger is rebuilt at start', async () => {
    fs.rmSync(path.join(site.dir, 'usage.json'));
    await run();
    expect(report.counts.at(-1)).toEqual({
      kind: 'usage ledger',
      count: 0,
      detail: 'no usage.json: rebuilt from the jobs at start',
    });
    await expect(usage.hasLedger()).resolves.toBe(false);
  });
});
