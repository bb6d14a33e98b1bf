import { randomUUID } from 'node:crypto';
import type { Manifest } from '../../src/generation/artifacts/manifest';
import { emptyUsage, Job } from '../../src/generation/jobs/job';
import type { User } from '../../src/users/user.model';

/** A queued job of alice's; override what the test is about. */
export function aJob(fields: Partial<Job> = {}): Job {
  return {
    id: randomUUID(),
    owner: 'alice',
    ownerId: 'u-alice',
    prompt: 'A brief.',
    count: 2,
    status: 'queued',
    provider: 'offline',
    model: 'offline-template-v1',
    createdAt: '2026-06-10T10:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    error: null,
    usage: emptyUsage(),
    qcPassed: null,
    claimedBy: null,
    attempts: 0,
    ...fields,
  };
}

/** A job owner (or admin) as services receive it. */
export function aJobOwner(fields: Partial<User> = {}): User {
  return {
    id: 'u-alice',
    username: 'alice',
    role: 'user',
    createdAt: null,
    disabled: false,
    invitedBy: null,
    lastLoginAt: null,
    sessionVersion: 0,
    dailyDrafts: null,
    ...fields,
  };
}

/** A finished job's manifest with no files. */
export function aManifest(job: Job, fields: Partial<Manifest> = {}): Manifest {
  return {
    job_id: job.id,
    owner: job.owner,
    prompt: job.prompt,
    count: job.count,
    status: 'succeeded',
    provider: job.provider,
    model: job.model,
    created_at: job.createdAt,
    started_at: job.startedAt,
    finished_at: job.finishedAt,
    error: null,
    usage: { drafts: 0, prompt_tokens: 0, completion_tokens: 0 },
    files: [],
    qc: { passed: true, checked_at: job.createdAt, checks: [] },
    ...fields,
  };
}
