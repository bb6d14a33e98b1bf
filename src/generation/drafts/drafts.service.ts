import { Injectable } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error';
import { User } from '../../users/user.model';
import { ArtifactStore } from '../artifacts/artifact-store';
import { Manifest, ManifestFileEntry } from '../artifacts/manifest';
import { Job } from '../jobs/job';
import { JobsService } from '../jobs/jobs.service';
import { DraftFiguresCache, TextFigures } from './draft-figures';
import { MarkdownRenderer } from './markdown-renderer';

export interface DraftSummary {
  /** 1-based, as in the URL. */
  n: number;
  title: string;
  fileName: string;
  words: number;
  bytes: number;
  /** Names of the failed QC checks that name this draft (empty: it passed). */
  warnings: string[];
  preview: string;
}

export interface DraftPage extends DraftSummary {
  job: Job;
  count: number;
  html: string;
  prev: number | null;
  next: number | null;
}

export interface DraftFile {
  fileName: string;
  /** The exact bytes the manifest hashes. */
  content: Buffer;
}

/**
 * Drafts for reading in the browser (SPEC §8). A draft is found by its position in the manifest's
 * file list and read through the ArtifactStore at the manifest's path: the URL only ever picks an index.
 */
@Injectable()
export class DraftsService {
  private readonly figures = new DraftFiguresCache();

  constructor(
    private readonly jobs: JobsService,
    private readonly artifacts: ArtifactStore,
    private readonly markdown: MarkdownRenderer,
  ) {}

  /** Every draft of a finished job, for the result page (empty while it runs or when it failed). */
  async summaries(job: Job, manifest: Manifest | undefined): Promise<DraftSummary[]> {
    if (!manifest || manifest.files.length === 0) return [];
    // Only drafts not seen before are read: the others' figures are known by their manifest hash.
    const known = new Map(manifest.files.map((file) => [file, this.figures.get(file)]));
    const unseen = manifest.files.filter((file) => !known.get(file));
    if (unseen.length > 0) {
      const contents = await this.artifacts.readArtifacts(
        job.id,
        unseen.map((f) => f.path),
      );
      unseen.forEach((file, i) => known.set(file, this.figures.figuresOf(file, contents[i].content)));
    }
    return manifest.files.map((file, i) => summaryOf(i + 1, file, known.get(file)!, manifest));
  }

  /** Whether every draft's figures are pinned by its manifest hash (summaries then read nothing). */
  knowsAll(manifest: Manifest | undefined): boolean {
    return !manifest || manifest.files.every((file) => this.figures.get(file) !== undefined);
  }

  /** Draft `n` (1-based) rendered to HTML; 404 for anything but 1..count of a job the user may see. */
  async page(id: string, nParam: string, user: User): Promise<DraftPage> {
    const { job, manifest, n, file, content } = await this.find(id, nParam, user);
    const summary = summaryOf(n, file, this.figures.figuresOf(file, content), manifest);
    return {
      ...summary,
      job,
      count: manifest.files.length,
      html: this.markdown.render(content.toString('utf8')),
      prev: n > 1 ? n - 1 : null,
      next: n < manifest.files.length ? n + 1 : null,
    };
  }

  /** Draft `n`'s bytes, exactly as written and hashed in the manifest. */
  async file(id: string, nParam: string, user: User): Promise<DraftFile> {
    const { file, content } = await this.find(id, nParam, user);
    return { fileName: baseName(file.path), content };
  }

  private async find(id: string, nParam: string, user: User) {
    const n = /^[1-9]\d{0,2}$/.test(nParam) ? Number(nParam) : 0;
    if (n === 0) throw new DomainError('not_found', 'No such draft.');
    const job = await this.jobs.findVisible(id, user);
    const manifest = await this.jobs.manifestIfAny(job);
    const file = manifest?.files[n - 1];
    if (!manifest || !file) throw new DomainError('not_found', 'No such draft.');
    const [{ content }] = await this.artifacts.readArtifacts(id, [file.path]);
    if (!content) throw new DomainError('not_found', 'This draft could not be read; re-run QC to see why.');
    return { job, manifest, n, file, content };
  }
}

function summaryOf(n: number, file: ManifestFileEntry, figures: TextFigures, manifest: Manifest): DraftSummary {
  const { title, words, preview } = figures;
  const fileName = baseName(file.path);
  return {
    n,
    title: title ?? fileName,
    fileName,
    words,
    bytes: file.bytes,
    warnings: manifest.qc.checks
      .filter((check) => !check.passed && (check.detail.includes(fileName) || check.detail.includes(file.path)))
      .map((check) => check.name),
    preview,
  };
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
