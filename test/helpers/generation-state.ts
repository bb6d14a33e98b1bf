import { ArtifactStore } from '../../src/generation/artifacts/artifact-store';
import type { Manifest } from '../../src/generation/artifacts/manifest';
import type { Job, JobSummary } from '../../src/generation/jobs/job';
import { JobsRepository } from '../../src/generation/jobs/jobs.repository';
import type { DayUsage, UserUsage } from '../../src/generation/usage/usage';
import { UsageLedgerRepository } from '../../src/generation/usage/usage-ledger.repository';
import type { TestApp } from './test-app';

/**
 * What an e2e test wants to know about jobs and usage, read through the app's own repositories (so
 * the test does not depend on the files' format; tests of that format read the files on purpose).
 */

/** Every job, oldest first; only `username`'s when given. */
export async function jobsOf(t: TestApp, username?: string): Promise<JobSummary[]> {
  const all = await t.app.get(JobsRepository).allJobs();
  return username === undefined ? all : all.filter((job) => job.owner === username);
}

/** One job; throws when it does not exist. */
export async function jobOf(t: TestApp, id: string): Promise<Job> {
  const job = await t.app.get(JobsRepository).findJob(id);
  if (!job) throw new Error(`no job ${id}`);
  return job;
}

/** A job's manifest (the published document, snake_case); throws when there is none yet. */
export async function manifestOf(t: TestApp, id: string): Promise<Manifest> {
  const manifest = await t.app.get(ArtifactStore).readManifest(id);
  if (!manifest) throw new Error(`no manifest for job ${id}`);
  return manifest;
}

/** The usage ledger, per user. */
export function usageOf(t: TestApp): Promise<UserUsage[]> {
  return t.app.get(UsageLedgerRepository).allUsage();
}

/** One user's usage on one UTC day (undefined when the ledger has no such day). */
export async function usageOn(t: TestApp, userId: string, day: string): Promise<DayUsage | undefined> {
  return (await usageOf(t)).find((user) => user.userId === userId)?.days[day];
}
