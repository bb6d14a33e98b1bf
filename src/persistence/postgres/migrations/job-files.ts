import type { Migration } from './index';

/**
 * A job's drafts and manifest (ArtifactStore), stored in the database as bytes: `path` is the
 * manifest's (`artifacts/01-x.md`, `manifest.json`). Deleting the job deletes its files.
 */
export const JOB_FILES_MIGRATION: Migration = {
  version: 10,
  name: 'job_files',
  up: `
    CREATE TABLE job_files (
      job_id  text NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
      path    text NOT NULL CHECK (path = 'manifest.json' OR path LIKE 'artifacts/%'),
      content bytea NOT NULL,
      PRIMARY KEY (job_id, path)
    );
  `,
};
