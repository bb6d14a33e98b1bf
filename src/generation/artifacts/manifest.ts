import type { JobStatus, JobUsage } from '../jobs/job';

/**
 * manifest.json (SPEC §8): a published document (served as-is by GET /api/job/<id>/manifest and put in
 * the zip), so it keeps the snake_case field names of the format, unlike the domain types.
 */
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

export interface ManifestUsage {
  drafts: number;
  prompt_tokens: number;
  completion_tokens: number;
}

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
  usage: ManifestUsage;
  files: ManifestFileEntry[];
  qc: QcReport;
}

export function manifestUsage(usage: JobUsage): ManifestUsage {
  return { drafts: usage.drafts, prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens };
}
