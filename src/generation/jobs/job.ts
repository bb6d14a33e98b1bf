/** A generation job as services see it (SPEC §8). The files' snake_case rows live in persistence/json. */
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed';
export const TERMINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed'];

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** What a job spent: drafts produced and the provider's own token counts (0 for offline). */
export interface JobUsage {
  drafts: number;
  promptTokens: number;
  completionTokens: number;
}

export function emptyUsage(): JobUsage {
  return { drafts: 0, promptTokens: 0, completionTokens: 0 };
}

export interface Job {
  id: string;
  /** Username of the owner (readable); `ownerId` is what ownership checks use. */
  owner: string;
  ownerId: string;
  prompt: string;
  count: number;
  status: JobStatus;
  provider: string;
  model: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  usage: JobUsage;
  qcPassed: boolean | null;
  /** The worker running it (while running); its lease is the queue's business (JobQueue). */
  claimedBy: string | null;
  /** How many times a runner has started it (a job interrupted twice is failed, not retried forever). */
  attempts: number;
}

/** What lists, the queue and usage rebuilds need, without opening each job. */
export interface JobSummary {
  id: string;
  owner: string;
  ownerId: string;
  /** The first characters of the brief (lists show it; the job page shows all of it). */
  brief: string;
  status: JobStatus;
  createdAt: string;
  finishedAt: string | null;
  count: number;
  provider: string;
  qcPassed: boolean | null;
  usage: JobUsage;
}

export const BRIEF_PREVIEW_CHARS = 80;

export function briefOf(prompt: string): string {
  const flat = prompt.replace(/\s+/g, ' ').trim();
  return flat.length > BRIEF_PREVIEW_CHARS ? `${flat.slice(0, BRIEF_PREVIEW_CHARS - 1)}…` : flat;
}

export function summaryOf(job: Job): JobSummary {
  return {
    id: job.id,
    owner: job.owner,
    ownerId: job.ownerId,
    brief: briefOf(job.prompt),
    status: job.status,
    createdAt: job.createdAt,
    finishedAt: job.finishedAt,
    count: job.count,
    provider: job.provider,
    qcPassed: job.qcPassed,
    usage: { ...job.usage },
  };
}

/** How a job ended: what the processor records when it is done. */
export interface JobOutcome {
  status: 'succeeded' | 'failed';
  finishedAt: string;
  error: string | null;
  usage: JobUsage;
  qcPassed: boolean;
}

/** UUIDs as crypto.randomUUID() makes them; anything else in a URL is a 404, never a path. */
export const JOB_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isJobId(value: unknown): value is string {
  return typeof value === 'string' && JOB_ID_PATTERN.test(value);
}
