import { aJob, aManifest } from '../../../test/factories/generation';
import { strictMock } from '../../../test/helpers/strict-mock';
import { Manifest } from '../artifacts/manifest';
import { DraftsService, DraftSummary } from '../drafts/drafts.service';
import { Job } from '../jobs/job';
import { JobResultSection } from './job-result-section';

describe('JobResultSection', () => {
  const draft: DraftSummary = {
    n: 1,
    title: 'First title',
    fileName: '01-first.md',
    words: 9,
    bytes: 40,
    warnings: [],
    preview: 'Line one.',
  };

  function build(pinned = true) {
    const drafts = strictMock<DraftsService>('DraftsService', {
      summaries: async () => [draft],
      knowsAll: () => pinned,
    });
    return { section: new JobResultSection(drafts), summaries: drafts.summaries };
  }

  function finished(fields: Partial<Job> = {}): { job: Job; manifest: Manifest } {
    const job = aJob({ status: 'succeeded', finishedAt: '2026-06-10T10:01:00.000Z', ...fields });
    return { job, manifest: aManifest(job) };
  }

  it('renders the drafts, the facts and the links, escaping what the user wrote', async () => {
    const { section } = build();
    const { job, manifest } = finished({ prompt: '<script>alert(1)</script> & more' });
    const html = await section.html(job, manifest);
    expect(html).toContain(`<h1>Job <code>${job.id}</code></h1>`);
    expect(html).toContain(`href="/result/${job.id}/drafts/1" data-testid="draft-link"><strong>First title</strong>`);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; more');
    expect(html).not.toContain('<script>');
    expect(html).toContain(`href="/download/${job.id}.zip"`);
  });

  it('renders a section once: the same job and manifest, even as new objects, reuse it', async () => {
    const { section, summaries } = build();
    const { job, manifest } = finished();
    const first = await section.html(job, manifest);
    expect(await section.html({ ...job }, structuredClone(manifest))).toBe(first);
    expect(await section.html(job, Object.freeze(structuredClone(manifest)))).toBe(first);
    expect(summaries).toHaveBeenCalledTimes(1);
  });

  it('renders again when anything shown changes: the status, the QC result, the brief', async () => {
    const { section, summaries } = build();
    const { job, manifest } = finished();
    const before = await section.html(job, manifest);

    const warned: Manifest = {
      ...manifest,
      qc: { ...manifest.qc, passed: false, checks: [{ name: 'word-count', passed: false, detail: 'Too short.' }] },
    };
    const afterQc = await section.html({ ...job, qcPassed: false }, warned);
    expect(afterQc).not.toBe(before);
    expect(afterQc).toContain('1 check(s) raised a warning');

    const running = await section.html({ ...job, status: 'running', finishedAt: null }, undefined);
    expect(running).toContain('This page refreshes itself every 2 seconds');
    expect(await section.html({ ...job, prompt: 'Another brief.' }, manifest)).toContain('Another brief.');
    expect(summaries).toHaveBeenCalledTimes(4);
  });

  it('keeps a few MB at most: the oldest sections go first', async () => {
    const { section, summaries } = build();
    const big = (prompt: string) => finished({ prompt: prompt.repeat(600_000) }); // ~1.8M characters kept each
    const [a, b, c] = [big('a'), big('b'), big('c')];
    for (const { job, manifest } of [a, b, c]) await section.html(job, manifest);
    await section.html(c.job, c.manifest);
    await section.html(b.job, b.manifest);
    expect(summaries).toHaveBeenCalledTimes(3); // b and c still kept
    await section.html(a.job, a.manifest);
    expect(summaries).toHaveBeenCalledTimes(4); // a was let go
  });

  it('renders on every page while a draft is not pinned by its manifest hash (changed or damaged on disk)', async () => {
    const { section, summaries } = build(false);
    const { job, manifest } = finished();
    await section.html(job, manifest);
    await section.html(job, manifest);
    expect(summaries).toHaveBeenCalledTimes(2);
  });
});
