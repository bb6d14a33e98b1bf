import { briefOf, Job, JobStatus, JobSummary, JobUsage } from '../../jobs/job';

/** DATA_DIR/jobs/<id>/job.json, the source of truth for one job (snake_case, as written since v1). */
export interface JobRecord {
  id: string;
  owner: string;
  owner_id: string;
  prompt: string;
  count: number;
  status: JobStatus;
  provider: string;
  model: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  error: string | null;
  usage: UsageRecord;
  qc_passed: boolean | null;
  /** The worker running it; older versions wrote a pid (a number). */
  claimed_by: string | number | null;
  attempts: number;
  /** Fields of other versions survive a rewrite. */
  [extra: string]: unknown;
}

export interface UsageRecord {
  drafts: number;
  prompt_tokens: number;
  completion_tokens: number;
}

/** One row of DATA_DIR/jobs/index.json: lists, the queue and usage rebuilds read only this file. */
export interface JobIndexRow {
  id: string;
  owner: string;
  owner_id: string;
  /** Short form of the brief (rows written before it existed lack it). */
  brief?: string;
  status: JobStatus;
  created_at: string;
  finished_at: string | null;
  count: number;
  provider: string;
  qc_passed: boolean | null;
  usage: UsageRecord;
  /** The worker holding the claim while running (older versions: a pid). */
  claimed_by: string | number | null;
  /** Until when the claim holds without a heartbeat (ISO); missing = expired (older versions). */
  lease_expires_at?: string | null;
  /** Written by versions before leases; dropped on the next rewrite of the row. */
  claimed_by_runner?: string | null;
}

export interface JobsIndexFile {
  jobs: JobIndexRow[];
}

export function usageFromRecord(usage: Partial<UsageRecord> | undefined): JobUsage {
  return {
    drafts: usage?.drafts ?? 0,
    promptTokens: usage?.prompt_tokens ?? 0,
    completionTokens: usage?.completion_tokens ?? 0,
  };
}

export function usageToRecord(usage: JobUsage): UsageRecord {
  return { drafts: usage.drafts, prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens };
}

/** Prototype fallbacks: rows of older versions may lack attempts, usage, claimed_by. */
export function jobFromRecord(record: JobRecord): Job {
  return {
    id: record.id,
    owner: record.owner,
    ownerId: record.owner_id,
    prompt: record.prompt ?? '',
    count: record.count,
    status: record.status,
    provider: record.provider,
    model: record.model ?? '',
    createdAt: record.created_at,
    startedAt: record.started_at ?? null,
    finishedAt: record.finished_at ?? null,
    error: record.error ?? null,
    usage: usageFromRecord(record.usage),
    qcPassed: record.qc_passed ?? null,
    claimedBy: record.claimed_by === null || record.claimed_by === undefined ? null : String(record.claimed_by),
    attempts: record.attempts ?? 0,
  };
}

/** Writes the domain fields over `previous`, keeping any field this version does not know. */
export function jobToRecord(job: Job, previous: Partial<JobRecord> = {}): JobRecord {
  return {
    ...previous,
    id: job.id,
    owner: job.owner,
    owner_id: job.ownerId,
    prompt: job.prompt,
    count: job.count,
    status: job.status,
    provider: job.provider,
    model: job.model,
    created_at: job.createdAt,
    started_at: job.startedAt,
    finished_at: job.finishedAt,
    error: job.error,
    usage: usageToRecord(job.usage),
    qc_passed: job.qcPassed,
    claimed_by: job.claimedBy,
    attempts: job.attempts,
  };
}

export function summaryFromRow(row: JobIndexRow): JobSummary {
  return {
    id: row.id,
    owner: row.owner,
    ownerId: row.owner_id,
    brief: row.brief ?? '',
    status: row.status,
    createdAt: row.created_at,
    finishedAt: row.finished_at ?? null,
    count: row.count,
    provider: row.provider,
    qcPassed: row.qc_passed ?? null,
    usage: usageFromRecord(row.usage),
  };
}

/** The index row of a job; a running job keeps the claim and lease of the row it replaces. */
export function rowOf(record: JobRecord, previous?: JobIndexRow): JobIndexRow {
  const running = record.status === 'running';
  return {
    id: record.id,
    owner: record.owner,
    owner_id: record.owner_id,
    brief: briefOf(record.prompt ?? ''),
    status: record.status,
    created_at: record.created_at,
    finished_at: record.finished_at ?? null,
    count: record.count,
    provider: record.provider,
    qc_passed: record.qc_passed ?? null,
    usage: usageToRecord(usageFromRecord(record.usage)),
    claimed_by: running ? (previous?.claimed_by ?? record.claimed_by ?? null) : null,
    lease_expires_at: running ? (previous?.lease_expires_at ?? null) : null,
  };
}
