import { Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import { Database } from '../../../persistence/postgres/database';
import { hasNul } from '../../../persistence/postgres/pg-text';
import { fileSha256 } from '../../artifacts/file-hash';
import { ArtifactContent, ArtifactFile, ArtifactStore } from '../../artifacts/artifact-store';
import { Manifest, ManifestFileEntry } from '../../artifacts/manifest';
import { isJobId } from '../../jobs/job';

const ARTIFACT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const MANIFEST = 'manifest.json';

/**
 * A job's drafts and manifest as bytes in `job_files` (migration 10), keyed by the manifest's paths:
 * any host serves any job's files. Replacing the drafts is one transaction (delete + insert), so a
 * reader sees the old set or the new one. The manifest is stored as the exact JSON text the files
 * store writes (the published document, key order kept). A draft is a few kilobytes, so a file is
 * read whole and streamed from memory; the zip still streams file by file.
 */
@Injectable()
export class PgArtifactStore extends ArtifactStore {
  constructor(private readonly db: Database) {
    super();
  }

  async writeArtifacts(jobId: string, files: ArtifactFile[]): Promise<ManifestFileEntry[]> {
    assertJobId(jobId);
    for (const file of files) if (!ARTIFACT_NAME.test(file.name)) throw new Error(`Bad artifact name ${file.name}`);
    const buffers = files.map((file) => Buffer.from(file.content, 'utf8'));
    const paths = files.map((file) => `artifacts/${file.name}`);
    await this.db.transaction(async () => {
      await this.db.query("DELETE FROM job_files WHERE job_id = $1 AND path LIKE 'artifacts/%'", [jobId]);
      if (files.length === 0) return;
      await this.db.query(
        `INSERT INTO job_files (job_id, path, content)
         SELECT $1, path, content FROM unnest($2::text[], $3::bytea[]) AS f (path, content)
         ON CONFLICT (job_id, path) DO UPDATE SET content = EXCLUDED.content`,
        [jobId, paths, buffers],
      );
    });
    return buffers.map((buffer, i) => ({ path: paths[i], bytes: buffer.length, sha256: fileSha256(buffer) }));
  }

  async readArtifacts(jobId: string, paths: string[]): Promise<ArtifactContent[]> {
    const keys = paths.map(normal);
    const wanted = keys.filter((key): key is string => key !== undefined);
    const found = new Map<string, Buffer>();
    if (isJobId(jobId) && wanted.length > 0) {
      const { rows } = await this.db.query<{ path: string; content: Buffer }>(
        'SELECT path, content FROM job_files WHERE job_id = $1 AND path = ANY ($2::text[])',
        [jobId, wanted],
      );
      for (const row of rows) found.set(row.path, row.content);
    }
    return paths.map((path, i) => ({ path, content: (keys[i] !== undefined && found.get(keys[i])) || null }));
  }

  async writeManifest(jobId: string, manifest: Manifest): Promise<void> {
    assertJobId(jobId);
    await this.db.query(
      `INSERT INTO job_files (job_id, path, content) VALUES ($1, $2, $3)
       ON CONFLICT (job_id, path) DO UPDATE SET content = EXCLUDED.content`,
      [jobId, MANIFEST, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8')],
    );
  }

  async readManifest(jobId: string): Promise<Manifest | undefined> {
    const content = await this.read(jobId, MANIFEST);
    return content && (JSON.parse(content.toString('utf8')) as Manifest);
  }

  async openArtifact(jobId: string, path: string): Promise<Readable> {
    const content = await this.read(jobId, path);
    if (!content) throw new Error(`No such file: ${path}`);
    return Readable.from([content]);
  }

  async deleteArtifacts(jobId: string): Promise<void> {
    if (!isJobId(jobId)) return;
    await this.db.query('DELETE FROM job_files WHERE job_id = $1', [jobId]);
  }

  private async read(jobId: string, path: string): Promise<Buffer | undefined> {
    const key = normal(path);
    if (!isJobId(jobId) || key === undefined) return undefined;
    const { rows } = await this.db.query<{ content: Buffer }>(
      'SELECT content FROM job_files WHERE job_id = $1 AND path = $2',
      [jobId, key],
    );
    return rows[0]?.content;
  }
}

function assertJobId(jobId: string): void {
  if (!isJobId(jobId)) throw new Error('Not a job id');
}

/**
 * `artifacts/./x.md` → `artifacts/x.md`; undefined for anything that is not a file of the job
 * (climbing out, absolute, or text PostgreSQL cannot hold).
 */
function normal(path: string): string | undefined {
  if (hasNul(path)) return undefined;
  const parts = path.split('/').filter((part) => part !== '.' && part !== '');
  if (parts.length === 0 || parts.includes('..')) return undefined;
  return parts.join('/');
}
