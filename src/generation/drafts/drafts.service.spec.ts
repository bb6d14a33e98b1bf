import { aJob, aJobOwner, aManifest } from '../../../test/factories/generation';
import { strictMock } from '../../../test/helpers/strict-mock';
import { DomainError } from '../../common/errors/domain-error';
import { Job } from '../jobs/job';
import { JobNotFoundError, JobsService } from '../jobs/jobs.service';
import { MemoryArtifactStore } from '../persistence/memory/memory-artifact.store';
import { DraftsService } from './drafts.service';
import { MarkdownRenderer } from './markdown-renderer';

describe('DraftsService', () => {
  const job: Job = aJob({ status: 'succeeded' });
  let artifacts: MemoryArtifactStore;

  async function build(visible = true) {
    artifacts = new MemoryArtifactStore();
    const files = await artifacts.writeArtifacts(job.id, [
      { name: '01-first.md', content: '# First title\n\nLine one of the first.\nLine two.\n' },
      { name: '02-second.md', content: 'No heading here, just <b>text</b>.\n' },
    ]);
    const manifest = aManifest(job, {
      files,
      qc: {
        passed: false,
        checked_at: job.createdAt,
        checks: [{ name: 'word-count', passed: false, detail: 'Outside 20–2000 words: 02-second.md has 5 words.' }],
      },
    });
    const jobs = strictMock<JobsService>('JobsService', {
      findVisible: async () => {
        if (!visible) throw new JobNotFoundError();
        return job;
      },
      manifestIfAny: async () => manifest,
    });
    return { service: new DraftsService(jobs, artifacts, new MarkdownRenderer()), manifest };
  }

  it('summarises each draft: title from the first heading (else the file name), words, QC warnings naming it, preview', async () => {
    const { service, manifest } = await build();
    const drafts = await service.summaries(job, manifest);
    expect(drafts).toEqual([
      {
        n: 1,
        title: 'First title',
        fileName: '01-first.md',
        words: 9,
        bytes: manifest.files[0].bytes,
        warnings: [],
        preview: 'Line one of the first. Line two.',
      },
      expect.objectContaining({ n: 2, title: '02-second.md', warnings: ['word-count'] }),
    ]);
    expect(await service.summaries(job, undefined)).toEqual([]);
  });

  it('reads a draft once: later pages know its figures by the manifest hash; bytes that do not match it are read each time', async () => {
    const { service, manifest } = await build();
    const first = await service.summaries(job, manifest);
    const read = jest.spyOn(artifacts, 'readArtifacts');
    expect(await service.summaries(job, manifest)).toEqual(first);
    expect(read).not.toHaveBeenCalled();

    expect(service.knowsAll(manifest)).toBe(true);

    const damaged = { ...manifest, files: [{ ...manifest.files[0], sha256: '0'.repeat(64) }] };
    await service.summaries(job, damaged);
    await service.summaries(job, damaged);
    expect(read).toHaveBeenCalledTimes(2);
    expect(service.knowsAll(damaged)).toBe(false);
  });

  it('renders draft n with previous/next, escaping raw HTML', async () => {
    const { service } = await build();
    const second = await service.page(job.id, '2', aJobOwner());
    expect(second).toMatchObject({ n: 2, count: 2, prev: 1, next: null });
    expect(second.html).toBe('<p>No heading here, just &lt;b&gt;text&lt;/b&gt;.</p>\n');
    expect(await service.page(job.id, '1', aJobOwner())).toMatchObject({ prev: null, next: 2 });
  });

  it('hands out the exact stored bytes of draft n', async () => {
    const { service } = await build();
    const file = await service.file(job.id, '1', aJobOwner());
    expect(file.fileName).toBe('01-first.md');
    expect(file.content.toString('utf8')).toBe('# First title\n\nLine one of the first.\nLine two.\n');
  });

  it.each(['0', '3', '01', '-1', 'abc', '1.5', '../manifest.json', ''])('n = %p is not_found', async (n) => {
    const { service } = await build();
    await expect(service.page(job.id, n, aJobOwner())).rejects.toMatchObject({ code: 'not_found' });
  });

  it('a job the user may not see is not_found', async () => {
    const { service } = await build(false);
    const error = await service.file(job.id, '1', aJobOwner({ id: 'u-bob' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'not_found' });
  });
});

describe('MarkdownRenderer', () => {
  const md = new MarkdownRenderer();

  it('adds rel="noopener noreferrer nofollow" to links and refuses javascript: links', () => {
    expect(md.render('[a](https://example.com)')).toBe(
      '<p><a href="https://example.com" rel="noopener noreferrer nofollow">a</a></p>\n',
    );
    expect(md.render('[a](javascript:alert(1))')).not.toContain('href');
  });

  it('shows raw HTML as text', () => {
    expect(md.render('<script>alert(1)</script>')).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n');
  });
});
