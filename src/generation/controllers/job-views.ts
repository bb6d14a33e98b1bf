import { isTerminal, JobIndexEntry, JobRecord, JobStatus, Manifest } from '../jobs/job.model';

/** Shapes for the hbs pages (kept out of controllers so they stay one call per handler). */
export function statusBadge(status: JobStatus): string {
  if (status === 'succeeded') return 'badge badge-ok';
  if (status === 'failed') return 'badge badge-bad';
  return 'badge';
}

export function providerLabel(provider: string): string {
  return provider === 'offline' ? 'offline (templated drafts, no model was called)' : provider;
}

export function jobRow(entry: JobIndexEntry) {
  return {
    ...entry,
    badge: statusBadge(entry.status),
    tokens: (entry.usage?.prompt_tokens ?? 0) + (entry.usage?.completion_tokens ?? 0),
    qcLabel: entry.qc_passed === null ? '—' : entry.qc_passed ? 'passed' : 'warnings',
    qcBadge: entry.qc_passed === null ? '' : entry.qc_passed ? 'badge badge-ok' : 'badge badge-bad',
  };
}

export function jobPage(job: JobRecord, manifest: Manifest | undefined) {
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
    tokens: job.usage.prompt_tokens + job.usage.completion_tokens,
    manifest,
  };
}

/** GET /api/job/<id>. */
export function jobJson(job: JobRecord, manifest: Manifest | undefined) {
  return {
    id: job.id,
    owner: job.owner,
    status: job.status,
    prompt: job.prompt,
    count: job.count,
    provider: job.provider,
    model: job.model,
    created_at: job.created_at,
    started_at: job.started_at,
    finished_at: job.finished_at,
    error: job.error,
    usage: job.usage,
    qc_passed: job.qc_passed,
    files: manifest?.files ?? [],
    links: {
      result: `/result/${job.id}`,
      manifest: `/api/job/${job.id}/manifest`,
      download: `/download/${job.id}.zip`,
    },
  };
}
