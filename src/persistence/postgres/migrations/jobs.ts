import type { Migration } from './index';

/**
 * Generation jobs (JobsRepository) and their queue state (JobQueue): see
 * src/generation/persistence/postgres/. One row per job is the single source of truth (no index to
 * keep in step); `seq` is creation order, which is also the queue order and the order of the lists.
 */
export const JOBS_MIGRATION: Migration = {
  version: 9,
  name: 'jobs',
  up: `
    CREATE TABLE jobs (
      id                      text PRIMARY KEY,
      seq                     bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
      owner                   text NOT NULL,
      owner_id                text NOT NULL,
      prompt                  text NOT NULL,
      count                   integer NOT NULL CHECK (count >= 0),
      status                  text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
      provider                text NOT NULL,
      model                   text NOT NULL,
      created_at              timestamptz NOT NULL,
      started_at              timestamptz,
      finished_at             timestamptz,
      error                   text,
      usage_drafts            integer NOT NULL DEFAULT 0,
      usage_prompt_tokens     bigint NOT NULL DEFAULT 0,
      usage_completion_tokens bigint NOT NULL DEFAULT 0,
      qc_passed               boolean,
      attempts                integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
      -- the queue: the worker id holding the claim (its host is the part before the first ':')
      -- and when the claim runs out without a heartbeat
      claimed_by              text,
      lease_expires_at        timestamptz
    );
    CREATE INDEX jobs_owner_seq ON jobs (owner_id, seq);
    CREATE INDEX jobs_queued ON jobs (seq) WHERE status = 'queued';
    CREATE INDEX jobs_running ON jobs (seq) WHERE status = 'running';
  `,
};
