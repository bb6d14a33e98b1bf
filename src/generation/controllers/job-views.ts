import { Manifest } from '../artifacts/manifest';
import { isTerminal, Job, JobStatus, JobSummary } from '../jobs/job';

/** Shapes for the hbs pages and JSON answers (kept out of controllers so they stay one call per handler). */
export function statusBadge(status: JobStatus): string {
  if (status === 'succeeded') return 'badge badge-ok';
  if (status === 'failed') return 'badge badge-bad';
  return 'badge';
}

export function providerLabel(provider: string): string {
  return provider === 'offline' ? 'offline (templated drafts, no model was called)' : provider;
}

export function jobRow(job: JobSummary) {
  return {
    ...job,
    badge: statusBadge(job.status),
    tokens: job.usage.promptTokens + job.usage.completionTokens,
    qcLabel: job.qcPassed === null ? '—' : job.qcPassed ? 'passed' : 'warnings',
    qcBadge: job.qcPassed === null ? '' : job.qcPassed ? 'badge badge-ok' : 'badge badge-bad',
  };
}

export function jobPage(job: Job, manifest: Manifest | undefined) {
  const active = !isTerminal(job.status);
  return {
    job,
    badge: statusBadge(job.status),
    providerLabel: providerLabel(job.provider),
    active,
    succeeded: job.status === 'succeeded',
    files: manifest?.files ?? [],
    qc: manifest?.qc,
    qcWarnings: manifest ? manifest.qc.checks.filter((c) => !c.passed).length : 0,
    tokens: job.usage.promptTokens + job.usage.completionTokens,
    manifest,
  };
}

/** GET /api/job/<id> (the published JSON keeps its snake_case field names). */
export function jobJson(job: Job, manifest: Manifest | undefined) {
  return {
    id: job.id,
    owner: job.owner,
    status: job.status,
    prompt: job.prompt,
    count: job.count,
    provider: job.provider,
    model: job.model,
    created_at: job.createdAt,
    started_at: job.startedAt,
    finished_at: job.finishedAt,
    error: job.error,
    usage: {
      drafts: job.usage.drafts,
      prompt_tokens: job.usage.promptTokens,
      completion_tokens: job.usage.completionTokens,
    },
    qc_passed: job.qcPassed,
    files: manifest?.files ?? [],
    links: {
      result: `/result/${job.id}`,
      manifest: `/api/job/${job.id}/manifest`,
      download: `/download/${job.id}.zip`,
    },
  };
}

/** GET /api/jobs: one row per job (the brief shortened; GET /api/job/<id> has the rest). */
export function jobListJson(page: { jobs: JobSummary[]; nextCursor: string | null }) {
  return {
    jobs: page.jobs.map((job) => ({
      id: job.id,
      status: job.status,
      brief: job.brief,
      count: job.count,
      provider: job.provider,
      created_at: job.createdAt,
      finished_at: job.finishedAt,
      qc_passed: job.qcPassed,
      links: { self: `/api/job/${job.id}`, result: `/result/${job.id}` },
    })),
    next_cursor: page.nextCursor,
    links: page.nextCursor ? { next: `/api/jobs?before=${page.nextCursor}` } : {},
  };
}
