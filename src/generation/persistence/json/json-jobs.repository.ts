import { Injectable, Logger } from '@nestjs/common';
import * as fs from 'node:fs';
import { JsonFile } from '../../../persistence/json/json-file';
import { JsonStore } from '../../../persistence/json/json-store.service';
import { assertObjectWithArray } from '../../../persistence/json/shapes';
import { isJobId, isTerminal, Job, JobOutcome, JobSummary } from '../../jobs/job';
import { JobPage, JobPageRequest, JobsRepository } from '../../jobs/jobs.repository';
import { JobIndexRow, jobFromRecord, JobRecord, JobsIndexFile, jobToRecord, rowOf, summaryFromRow } from './job.record';

export const JOBS_DIR = 'jobs';
export const JOBS_INDEX_FILE = 'jobs/index.json';

function assertJobRecord(data: unknown): asserts data is JobRecord {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error('expected a JSON object');
  const job = data as Record<string, unknown>;
  if (typeof job.id !== 'string' || typeof job.status !== 'string') throw new Error('expected "id" and "status"');
}

/**
 * Jobs over DATA_DIR/jobs: `<id>/job.json` (the source of truth, one JsonFile per job) and
 * `index.json` (lists, queue and usage rebuilds read only this file). Every change writes job.json
 * first, then mirrors the row into the index. JsonJobQueue works on the same files through the
 * record-level methods below (they are not part of JobsRepository).
 */
@Injectable()
export class JsonJobsRepository extends JobsRepository {
  private readonly logger = new Logger('Jobs');
  readonly index: JsonFile<JobsIndexFile>;
  private indexedRevision = -1;
  private byId = new Map<string, JobIndexRow>();

  constructor(private readonly store: JsonStore) {
    super();
    this.index = store.file<JobsIndexFile>(JOBS_INDEX_FILE, {
      empty: () => ({ jobs: [] }),
      validate: assertObjectWithArray('jobs'),
    });
  }

  async createJob(job: Job): Promise<void> {
    const record = jobToRecord(job);
    await this.jobFile(job.id).update((data) => {
      Object.assign(data, record);
    });
    await this.index.update((data) => {
      if (!data.jobs.some((j) => j.id === job.id)) data.jobs.push(rowOf(record));
    });
  }

  async findJob(id: string): Promise<Job | undefined> {
    if (!(await this.row(id))) return undefined;
    // jobFromRecord builds a new object of plain values: no need to copy the cached record first.
    const record = await this.jobFile(id).readIfExists();
    return record && jobFromRecord(record);
  }

  async findSummary(id: string): Promise<JobSummary | undefined> {
    const row = await this.row(id);
    return row && summaryFromRow(row);
  }

  async jobsOfUser(userId: string, page: JobPageRequest): Promise<JobPage> {
    const rows = (await this.index.read()).jobs;
    return pageNewestFirst(rows, (row) => row.owner_id === userId, page, summaryFromRow);
  }

  async allJobs(): Promise<JobSummary[]> {
    return (await this.index.read()).jobs.map(summaryFromRow);
  }

  async pageOfAllJobs(page: number, perPage: number): Promise<{ jobs: JobSummary[]; total: number }> {
    const all = (await this.index.read()).jobs;
    const end = all.length - (page - 1) * perPage;
    const slice = all.slice(Math.max(0, end - perPage), Math.max(0, end)).reverse();
    return { jobs: slice.map(summaryFromRow), total: all.length };
  }

  async startAttempt(
    id: string,
    attempt: { workerId: string; startedAt: string; provider: string; model: string },
  ): Promise<Job | undefined> {
    const record = await this.updateRecord(id, (j) => {
      if (isTerminal(j.status)) return false;
      j.status = 'running';
      j.started_at = attempt.startedAt;
      j.finished_at = null;
      j.error = null;
      j.claimed_by = attempt.workerId;
      j.attempts = (j.attempts ?? 0) + 1;
      j.provider = attempt.provider;
      j.model = attempt.model;
      j.usage = { drafts: 0, prompt_tokens: 0, completion_tokens: 0 };
    });
    return record && jobFromRecord(record);
  }

  async finishJob(id: string, outcome: JobOutcome): Promise<Job | undefined> {
    const record = await this.updateRecord(id, (j) => {
      j.status = outcome.status;
      j.finished_at = outcome.finishedAt;
      j.error = outcome.error;
      j.usage = {
        drafts: outcome.usage.drafts,
        prompt_tokens: outcome.usage.promptTokens,
        completion_tokens: outcome.usage.completionTokens,
      };
      j.qc_passed = outcome.qcPassed;
      j.claimed_by = null;
    });
    return record && jobFromRecord(record);
  }

  async setQcPassed(id: string, passed: boolean): Promise<Job | undefined> {
    const record = await this.updateRecord(id, (j) => {
      j.qc_passed = passed;
    });
    return record && jobFromRecord(record);
  }

  async deleteJob(id: string): Promise<boolean> {
    const row = await this.row(id);
    if (!row) return false;
    if (!isTerminal(row.status)) throw new Error(`Job ${id} is ${row.status}; only finished jobs are deleted`);
    await this.index.update((data) => {
      data.jobs = data.jobs.filter((j) => j.id !== id);
    });
    await fs.promises.rm(this.store.resolve(`${JOBS_DIR}/${id}/job.json`), { force: true });
    // The folder goes once the ArtifactStore has emptied it (a leftover folder is adopted by no one: no job.json).
    await fs.promises.rmdir(this.store.resolve(`${JOBS_DIR}/${id}`)).catch(() => undefined);
    return true;
  }

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
        const record = await this.readRecord(name);
        if (record) orphans.push(record);
      } catch (error) {
        this.logger.warn(`Skipping job folder ${name}: ${(error as Error).message}`);
      }
    }
    if (orphans.length === 0) return 0;
    await this.index.update((data) => {
      const present = new Set(data.jobs.map((j) => j.id));
      for (const record of orphans) if (!present.has(record.id)) data.jobs.push(rowOf(record));
      data.jobs.sort((a, b) => a.created_at.localeCompare(b.created_at));
    });
    return orphans.length;
  }

  // ---- record level (the JSON queue shares these) ---------------------------------------------

  /** job.json, read directly (recovery, where the index may be behind). */
  async readRecord(id: string): Promise<JobRecord | undefined> {
    if (!isJobId(id)) return undefined;
    const record = await this.jobFile(id).readIfExists();
    return record && structuredClone(record);
  }

  /** Changes job.json atomically, then mirrors it into the index; `change` returns false to leave it. */
  async updateRecord(id: string, change: (job: JobRecord) => boolean | void): Promise<JobRecord | undefined> {
    if (!isJobId(id) || !(await exists(this.store.resolve(`${JOBS_DIR}/${id}/job.json`)))) return undefined;
    const updated = await this.jobFile(id).update((job) => {
      if (change(job) === false) return undefined;
      return structuredClone(job);
    });
    if (!updated) return undefined;
    await this.syncRow(updated);
    return updated;
  }

  /** Copies a job's state into its index row (adds the row if missing). */
  async syncRow(record: JobRecord): Promise<void> {
    await this.index.update((data) => {
      const at = data.jobs.findIndex((j) => j.id === record.id);
      if (at === -1) data.jobs.push(rowOf(record));
      else data.jobs[at] = rowOf(record, data.jobs[at]);
    });
  }

  private async row(id: string): Promise<JobIndexRow | undefined> {
    if (!isJobId(id)) return undefined;
    const data = await this.index.read();
    if (this.index.revision !== this.indexedRevision) {
      const revision = this.index.revision;
      this.byId = new Map(data.jobs.map((job) => [job.id, job]));
      this.indexedRevision = revision;
    }
    return this.byId.get(id);
  }

  private jobFile(id: string): JsonFile<JobRecord> {
    return this.store.file<JobRecord>(`${JOBS_DIR}/${id}/job.json`, {
      transient: true,
      empty: () => ({}) as JobRecord,
      validate: assertJobRecord,
      pretty: true,
    });
  }
}

/** Newest first, after the `before` cursor (a job id), `limit` rows matching `keep`. */
export function pageNewestFirst<R extends { id: string }, S>(
  rows: R[],
  keep: (row: R) => boolean,
  page: JobPageRequest,
  map: (row: R) => S,
): { jobs: S[]; nextCursor: string | null } {
  let start = rows.length - 1;
  if (page.before !== undefined) {
    const at = rows.findIndex((row) => row.id === page.before);
    if (at === -1) return { jobs: [], nextCursor: null };
    start = at - 1;
  }
  const picked: R[] = [];
  let i = start;
  for (; i >= 0 && picked.length < page.limit; i--) if (keep(rows[i])) picked.push(rows[i]);
  let more = false;
  for (; i >= 0; i--) {
    if (keep(rows[i])) {
      more = true;
      break;
    }
  }
  return { jobs: picked.map(map), nextCursor: more ? picked[picked.length - 1].id : null };
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.promises.access(file);
    return true;
  } catch {
    return false;
  }
}
