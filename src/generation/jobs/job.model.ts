/** DATA_DIR/jobs/<id>/job.json, manifest.json and jobs/index.json (SPEC §7, §8). */
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';
export const TERMINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed'];

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** What a job spent: drafts produced and the provider's own token counts (0 for offline). */
export interface JobUsage {
  drafts: number;
  prompt_tokens: number;
  completion_tokens: number;
}

export function emptyUsage(): JobUsage {
  return { drafts: 0, prompt_tokens: 0, completion_tokens: 0 };
}

/** job.json: the source of truth for one job. */
export interface JobRecord {
  id: string;
  /** Username of the owner (readable); `owner_id` is what ownership checks use. */
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
  usage: JobUsage;
  qc_passed: boolean | null;
  /** pid of the process running it (while running), for crash recovery. */
  claimed_by: number | null;
  /** How many times a runner has started it (a job interrupted twice is failed, not retried forever). */
  attempts: number;
  [extra: string]: unknown;
}

/** One row of jobs/index.json: enough for lists, the queue and usage rebuilds without opening job folders. */
export interface JobIndexEntry {
  id: string;
  owner: string;
  owner_id: string;
  status: JobStatus;
  created_at: string;
  finished_at: string | null;
  count: number;
  provider: string;
  qc_passed: boolean | null;
  usage: JobUsage;
  claimed_by: number | null;
  /** Which runner instance in that process claimed it (several apps can share a pid in tests). */
  claimed_by_runner: string | null;
}

export interface JobsIndexFile {
  jobs: JobIndexEntry[];
}

export interface ManifestFileEntry {
  path: string;
  bytes: number;
  sha256: string;
}

export interface QcCheck {
  name: string;
  passed: boolean;
  detail: string;
}

export interface QcReport {
  passed: boolean;
  checked_at: string;
  checks: QcCheck[];
}

/** manifest.json, written atomically once the job has finished (succeeded or failed). */
export interface Manifest {
  job_id: string;
  owner: string;
  prompt: string;
  count: number;
  status: JobStatus;
  provider: string;
  model: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  error: string | null;
  usage: JobUsage;
  files: ManifestFileEntry[];
  qc: QcReport;
}

export function indexEntryOf(job: JobRecord, previous?: JobIndexEntry): JobIndexEntry {
  return {
    id: job.id,
    owner: job.owner,
    owner_id: job.owner_id,
    status: job.status,
    created_at: job.created_at,
    finished_at: job.finished_at,
    count: job.count,
    provider: job.provider,
    qc_passed: job.qc_passed,
    usage: { ...job.usage },
    claimed_by: job.status === 'running' ? (previous?.claimed_by ?? job.claimed_by) : null,
    claimed_by_runner: job.status === 'running' ? (previous?.claimed_by_runner ?? null) : null,
  };
}

/** UUIDs as crypto.randomUUID() makes them; anything else in a URL is a 404, never a path. */
export const JOB_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isJobId(value: unknown): value is string {
  return typeof value === 'string' && JOB_ID_PATTERN.test(value);
}
