import { Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import { fileSha256 } from '../../artifacts/file-hash';
import { ArtifactContent, ArtifactFile, ArtifactStore } from '../../artifacts/artifact-store';
import { Manifest, ManifestFileEntry } from '../../artifacts/manifest';
import { isJobId } from '../../jobs/job';

/** Drafts and manifests in memory, for unit tests; same contract as the files. */
@Injectable()
export class MemoryArtifactStore extends ArtifactStore {
  private readonly files = new Map<string, Map<string, Buffer>>();

  writeArtifacts(jobId: string, files: ArtifactFile[]): Promise<ManifestFileEntry[]> {
    const job = this.job(jobId);
    for (const key of [...job.keys()]) if (key.startsWith('artifacts/')) job.delete(key);
    const entries: ManifestFileEntry[] = [];
    for (const file of files) {
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(file.name)) {
        return Promise.reject(new Error(`Bad artifact name ${file.name}`));
      }
      const buffer = Buffer.from(file.content, 'utf8');
      job.set(`artifacts/${file.name}`, buffer);
      entries.push({
        path: `artifacts/${file.name}`,
        bytes: buffer.length,
        sha256: fileSha256(buffer),
      });
    }
    return Promise.resolve(entries);
  }

  readArtifacts(jobId: string, paths: string[]): Promise<ArtifactContent[]> {
    const job = isJobId(jobId) ? this.files.get(jobId) : undefined;
    return Promise.resolve(paths.map((path) => ({ path, content: job?.get(normal(path)) ?? null })));
  }

  writeManifest(jobId: string, manifest: Manifest): Promise<void> {
    this.job(jobId).set('manifest.json', Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
    return Promise.resolve();
  }

  readManifest(jobId: string): Promise<Manifest | undefined> {
    const raw = isJobId(jobId) ? this.files.get(jobId)?.get('manifest.json') : undefined;
    return Promise.resolve(raw && (JSON.parse(raw.toString('utf8')) as Manifest));
  }

  openArtifact(jobId: string, path: string): Promise<Readable> {
    const content = isJobId(jobId) ? this.files.get(jobId)?.get(normal(path)) : undefined;
    if (!content) return Promise.reject(new Error(`No such file: ${path}`));
    return Promise.resolve(Readable.from([content]));
  }

  deleteArtifacts(jobId: string): Promise<void> {
    this.files.delete(jobId);
    return Promise.resolve();
  }

  private job(jobId: string): Map<string, Buffer> {
    if (!isJobId(jobId)) throw new Error('Not a job id');
    let job = this.files.get(jobId);
    if (!job) this.files.set(jobId, (job = new Map<string, Buffer>()));
    return job;
  }
}

/** `artifacts/./x.md` → `artifacts/x.md`; anything climbing out of the job never matches a key. */
function normal(path: string): string {
  return path
    .split('/')
    .filter((part) => part !== '.' && part !== '')
    .join('/');
}
