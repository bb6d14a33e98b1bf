import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import writeFileAtomic from 'write-file-atomic';
import { JsonFile } from '../../persistence/json/json-file';
import { JsonStore } from '../../persistence/json/json-store.service';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../../persistence/json/private-files';
import { assertObjectWithArray } from '../../persistence/json/shapes';
import {
  indexEntryOf,
  isJobId,
  JobIndexEntry,
  JobRecord,
  JobsIndexFile,
  Manifest,
  ManifestFileEntry,
} from './job.model';

export const JOBS_DIR = 'jobs';
export const JOBS_INDEX_FILE = 'jobs/index.json';

export interface ArtifactContent {
  /** Path relative to the job folder, as in the manifest (`artifacts/01-x.md`). */
  path: string;
  /** null when the file is missing. */
  content: Buffer | null;
}

function assertJobRecord(data: unknown): asserts data is JobRecord {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error('expected a JSON object');
  const job = data as Record<string, unknown>;
  if (typeof job.id !== 'string' || typeof job.status !== 'string') throw new Error('expected "id" and "status"');
}

function assertManifest(data: unknown): asserts data is Manifest {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error('expected a JSON object');
  if (!Array.isArray((data as Record<string, unknown>).files)) throw new Error('expected "files" to be an array');
}

/**
 * The only code that touches DATA_DIR/jobs: job.json (source of truth, one JsonFile per job),
 * jobs/index.json (list/queue/usage summary so pages never open every job folder), artifacts and
 * manifest.json. Job ids are checked against the UUID pattern before any path is built from them.
 */
@Injectable()
export class JobsRepository {
  private readonly logger = new Logger('Jobs');
  private readonly index: JsonFile<JobsIndexFile>;
  private indexedRevision = -1;
  private byId = new Map<string, JobIndexEntry>();

  constructor(private readonly store: JsonStore) {
    this.index = store.file<JobsIndexFile>(JOBS_INDEX_FILE, {
      empty: () => ({ jobs: [] }),
      validate: assertObjectWithArray('jobs'),
    });
  }

  // ---- index -------------------------------------------------------------------------------

  async indexExists(): Promise<boolean> {
    return exists(this.store.resolve(JOBS_INDEX_FILE));
  }

  /** All index rows, oldest first (creation order, which is also the queue order). */
  async entries(): Promise<JobIndexEntry[]> {
    return (await this.index.read()).jobs;
  }

  async entry(id: string): Promise<JobIndexEntry | undefined> {
    if (!isJobId(id)) return undefined;
    const data = await this.index.read();
    if (this.index.revision !== this.indexedRevision) {
      const revision = this.index.revision;
      this.byId = new Map(data.jobs.map((job) => [job.id, job]));
      this.indexedRevision = revision;
    }
    return this.byId.get(id);
  }

  /** Atomic change of the index (claims, recovery); the mutator validates before changing anything. */
  mutateIndex<R>(change: (jobs: JobIndexEntry[]) => R): Promise<R> {
    return this.index.update((data) => change(data.jobs));
  }

  // ---- job.json ----------------------------------------------------------------------------

  /** Writes job.json, then adds the index row (a crash in between leaves an orphan the start-up scan adopts). */
  async create(job: JobRecord): Promise<void> {
    await this.jobFile(job.id).update((data) => {
      Object.assign(data, job);
    });
    await this.index.update((data) => {
      if (!data.jobs.some((j) => j.id === job.id)) data.jobs.push(indexEntryOf(job));
    });
  }

  /** The job, or undefined when the id is not a UUID, not indexed, or its folder is gone. */
  async get(id: string): Promise<JobRecord | undefined> {
    if (!(await this.entry(id))) return undefined;
    return this.readJobFile(id);
  }

  /** Reads job.json directly (start-up recovery, where the index may be behind). Cached until it changes. */
  async readJobFile(id: string): Promise<JobRecord | undefined> {
    if (!isJobId(id)) return undefined;
    const job = await this.jobFile(id).readIfExists();
    return job && structuredClone(job);
  }

  /**
   * Changes job.json atomically, then mirrors status/usage/QC into the index row. `change` returns
   * false to leave the job untouched (e.g. it is no longer in the expected state).
   */
  async update(id: string, change: (job: JobRecord) => boolean | void): Promise<JobRecord | undefined> {
    if (!isJobId(id) || !(await exists(this.store.resolve(`${JOBS_DIR}/${id}/job.json`)))) return undefined;
    const updated = await this.jobFile(id).update((job) => {
      if (change(job) === false) return undefined;
      return structuredClone(job);
    });
    if (!updated) return undefined;
    await this.syncIndex(updated);
    return updated;
  }

  /** Copies a job's state into its index row (adds the row if missing). */
  async syncIndex(job: JobRecord): Promise<void> {
    await this.index.update((data) => {
      const at = data.jobs.findIndex((j) => j.id === job.id);
      if (at === -1) data.jobs.push(indexEntryOf(job));
      else data.jobs[at] = indexEntryOf(job, data.jobs[at]);
    });
  }

  /**
   * Start-up scan: job folders missing from the index (a crash between writes, or a lost index)
   * are read once and added, in creation order. Only unknown folders are opened.
   */
  async adoptOrphans(): Promise<number> {
    const known = new Set((await this.index.read()).jobs.map((j) => j.id));
    let names: string[];
    try {
      names = await fs.promises.readdir(this.store.resolve(JOBS_DIR));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw error;
    }
    const orphans: JobRecord[] = [];
    for (const name of names) {
      if (!isJobId(name) || known.has(name)) continue;
      try {
        const job = await this.readJobFile(name);
        if (job) orphans.push(job);
      } catch (error) {
        this.logger.warn(`Skipping job folder ${name}: ${(error as Error).message}`);
      }
    }
    if (orphans.length === 0) return 0;
    await this.index.update((data) => {
      const present = new Set(data.jobs.map((j) => j.id));
      for (const job of orphans) if (!present.has(job.id)) data.jobs.push(indexEntryOf(job));
      data.jobs.sort((a, b) => a.created_at.localeCompare(b.created_at));
    });
    return orphans.length;
  }

  // ---- artifacts and manifest ----------------------------------------------------------------

  /** Replaces the job's artifacts folder with these files; returns their manifest entries. */
  async writeArtifacts(id: string, files: { name: string; content: string }[]): Promise<ManifestFileEntry[]> {
    const dir = this.jobPath(id, 'artifacts');
    await fs.promises.rm(dir, { recursive: true, force: true });
    await fs.promises.mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    const entries: ManifestFileEntry[] = [];
    for (const file of files) {
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(file.name)) throw new Error(`Bad artifact name ${file.name}`);
      const buffer = Buffer.from(file.content, 'utf8');
      await writeFileAtomic(path.join(dir, file.name), buffer, { fsync: true, mode: PRIVATE_FILE_MODE });
      entries.push({ path: `artifacts/${file.name}`, bytes: buffer.length, sha256: sha256(buffer) });
    }
    return entries;
  }

  /** Reads the listed files (for QC); a missing or out-of-folder path reads as null. */
  async readArtifacts(id: string, paths: string[]): Promise<ArtifactContent[]> {
    return Promise.all(
      paths.map(async (rel) => {
        const absolute = this.safeJobPath(id, rel);
        if (!absolute) return { path: rel, content: null };
        try {
          return { path: rel, content: await fs.promises.readFile(absolute) };
        } catch {
          return { path: rel, content: null };
        }
      }),
    );
  }

  async writeManifest(id: string, manifest: Manifest): Promise<void> {
    await writeFileAtomic(this.jobPath(id, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, {
      fsync: true,
      mode: PRIVATE_FILE_MODE,
    });
  }

  /** Cached until the file changes (pages of a finished job read it on every request). */
  async readManifest(id: string): Promise<Manifest | undefined> {
    if (!isJobId(id)) return undefined;
    const manifest = await this.store
      .file<Manifest>(`${JOBS_DIR}/${id}/manifest.json`, {
        transient: true,
        empty: () => ({}) as Manifest,
        validate: assertManifest,
      })
      .readIfExists();
    return manifest && structuredClone(manifest);
  }

  /**
   * Opens a file of the job for streaming (zip). Opening first means a missing file fails here,
   * before a response has started; refuses paths outside the job folder.
   */
  async openFile(id: string, rel: string): Promise<Readable> {
    const absolute = this.safeJobPath(id, rel);
    if (!absolute) throw new Error(`Path outside job folder: ${rel}`);
    const handle = await fs.promises.open(absolute, 'r');
    return handle.createReadStream();
  }

  private jobFile(id: string): JsonFile<JobRecord> {
    return this.store.file<JobRecord>(`${JOBS_DIR}/${id}/job.json`, {
      transient: true,
      empty: () => ({}) as JobRecord,
      validate: assertJobRecord,
      pretty: true,
    });
  }

  private jobPath(id: string, rel: string): string {
    if (!isJobId(id)) throw new Error('Not a job id');
    return this.store.resolve(`${JOBS_DIR}/${id}/${rel}`);
  }

  private safeJobPath(id: string, rel: string): string | undefined {
    if (!isJobId(id)) return undefined;
    const base = this.store.resolve(`${JOBS_DIR}/${id}`);
    const absolute = path.resolve(base, rel);
    return absolute.startsWith(base + path.sep) ? absolute : undefined;
  }
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.promises.access(file);
    return true;
  } catch {
    return false;
  }
}
