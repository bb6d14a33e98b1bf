import { Injectable } from '@nestjs/common';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import writeFileAtomic from 'write-file-atomic';
import { JsonStore } from '../../../persistence/json/json-store.service';
import { FileContentCache } from '../../../persistence/json/file-content-cache';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../../../persistence/json/private-files';
import { fileSha256 } from '../../artifacts/file-hash';
import { ArtifactContent, ArtifactFile, ArtifactStore } from '../../artifacts/artifact-store';
import { Manifest, ManifestFileEntry } from '../../artifacts/manifest';
import { isJobId } from '../../jobs/job';
import { JOBS_DIR } from './json-jobs.repository';

function assertManifest(data: unknown): asserts data is Manifest {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error('expected a JSON object');
  if (!Array.isArray((data as Record<string, unknown>).files)) throw new Error('expected "files" to be an array');
}

const ARTIFACT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Drafts up to this size are kept in memory between reads (a result page reads every draft of its job). */
export const CACHED_ARTIFACT_MAX_BYTES = 64 * 1024;
/** At most this many bytes of drafts stay cached per process; the least recently read go first. */
export const ARTIFACT_CACHE_BYTES = 8 * 1024 * 1024;

/** DATA_DIR/jobs/<id>/artifacts/* and manifest.json (files 0600, written atomically with fsync). */
@Injectable()
export class JsonArtifactStore extends ArtifactStore {
  /** Small drafts, kept in memory while their files are unchanged. */
  private readonly drafts = new FileContentCache({
    maxEntryBytes: CACHED_ARTIFACT_MAX_BYTES,
    maxTotalBytes: ARTIFACT_CACHE_BYTES,
  });

  constructor(private readonly store: JsonStore) {
    super();
  }

  async writeArtifacts(jobId: string, files: ArtifactFile[]): Promise<ManifestFileEntry[]> {
    const dir = this.jobPath(jobId, 'artifacts');
    await fs.promises.rm(dir, { recursive: true, force: true });
    await fs.promises.mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    const entries: ManifestFileEntry[] = [];
    for (const file of files) {
      if (!ARTIFACT_NAME.test(file.name)) throw new Error(`Bad artifact name ${file.name}`);
      const buffer = Buffer.from(file.content, 'utf8');
      await writeFileAtomic(path.join(dir, file.name), buffer, { fsync: true, mode: PRIVATE_FILE_MODE });
      entries.push({ path: `artifacts/${file.name}`, bytes: buffer.length, sha256: fileSha256(buffer) });
    }
    return entries;
  }

  async readArtifacts(jobId: string, paths: string[]): Promise<ArtifactContent[]> {
    return Promise.all(
      paths.map(async (rel) => {
        const absolute = this.safeJobPath(jobId, rel);
        if (!absolute) return { path: rel, content: null };
        try {
          // An unchanged draft gives the same Buffer each time: DraftsService keys its per-draft figures on it.
          return { path: rel, content: await this.drafts.read(absolute) };
        } catch {
          return { path: rel, content: null }; // unreadable (a folder, no permission): as if missing
        }
      }),
    );
  }

  async writeManifest(jobId: string, manifest: Manifest): Promise<void> {
    await fs.promises.mkdir(this.jobPath(jobId, ''), { recursive: true, mode: PRIVATE_DIR_MODE });
    await writeFileAtomic(this.jobPath(jobId, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, {
      fsync: true,
      mode: PRIVATE_FILE_MODE,
    });
  }

  /**
   * Cached until the file changes (pages of a finished job read it on every request). Callers get a
   * deep-frozen copy made once per version of the file (the JsonFile hands out the same object until
   * the file changes), not a new deep copy per request: nobody can change the cached data through it.
   */
  async readManifest(jobId: string): Promise<Manifest | undefined> {
    if (!isJobId(jobId)) return undefined;
    const file = this.store.file<Manifest>(`${JOBS_DIR}/${jobId}/manifest.json`, {
      transient: true,
      empty: () => ({}) as Manifest,
      validate: assertManifest,
    });
    const manifest = await file.readIfExists();
    if (!manifest) return undefined;
    const revision = file.revision;
    const known = frozenManifests.get(manifest);
    if (known && known.revision === revision) return known.frozen;
    const frozen = deepFreeze(structuredClone(manifest));
    frozenManifests.set(manifest, { revision, frozen });
    return frozen;
  }

  async openArtifact(jobId: string, rel: string): Promise<Readable> {
    const absolute = this.safeJobPath(jobId, rel);
    if (!absolute) throw new Error(`Path outside job folder: ${rel}`);
    const handle = await fs.promises.open(absolute, 'r');
    return handle.createReadStream();
  }

  async deleteArtifacts(jobId: string): Promise<void> {
    await fs.promises.rm(this.jobPath(jobId, 'manifest.json'), { force: true });
    await fs.promises.rm(this.jobPath(jobId, 'artifacts'), { recursive: true, force: true });
  }

  private jobPath(jobId: string, rel: string): string {
    if (!isJobId(jobId)) throw new Error('Not a job id');
    return this.store.resolve(`${JOBS_DIR}/${jobId}/${rel}`);
  }

  private safeJobPath(jobId: string, rel: string): string | undefined {
    if (!isJobId(jobId)) return undefined;
    const base = this.store.resolve(`${JOBS_DIR}/${jobId}`);
    const absolute = path.resolve(base, rel);
    return absolute.startsWith(base + path.sep) ? absolute : undefined;
  }
}

/**
 * A manifest file's cached data object → the frozen copy handed out for it, valid while the file's
 * revision is the one it was made at (a reload gives a new object; an in-place update a new revision).
 */
const frozenManifests = new WeakMap<Manifest, { revision: number; frozen: Manifest }>();

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
