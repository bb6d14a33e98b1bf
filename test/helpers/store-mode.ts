/**
 * Which store the e2e suite runs against: files (the `e2e` jest project) or PostgreSQL (the
 * `e2e-postgres` project, which sets GATEHOUSE_TEST_STORE=postgres in test/postgres/e2e-mode.setup.ts
 * and starts one embedded server per run; createTestApp then gives every app a fresh database).
 */
export type TestStore = 'files' | 'postgres';

export function testStore(): TestStore {
  return process.env.GATEHOUSE_TEST_STORE === 'postgres' ? 'postgres' : 'files';
}

/**
 * The e2e tests that only make sense in files mode, and why: they read or plant files under DATA_DIR
 * (the data files' format, their permissions, migration of older files) or drive a
 * separate process on DATA_DIR alone. The same behaviour through HTTP is covered in both modes; the
 * PostgreSQL side of it by the repositories' *.pg-spec.ts. One list, so the gaps are visible.
 */
export const FILES_ONLY: Record<string, string> = {
  'cli-files':
    'checks what the CLI wrote by reading users.json, invites.json and audit.jsonl, and the CLI on an empty or ' +
    'corrupt DATA_DIR; the CLI on PostgreSQL: cli-two-factor e2e (both modes) and the import-files / multi-host tests',
  'prototype-files': 'starts on the prototype users.json and invites.json (files-mode data; import-files copies them)',
  'healthz-probe-file':
    'the files-mode probe writes DATA_DIR/.healthz; postgres /healthz: test/postgres/outage.spec.ts and health.spec.ts',
  'qc-tampered-files':
    'QC re-runs against artifacts edited or removed on disk (files mode); the postgres ArtifactStore contract runs in its pg-spec',
  'recovery-job-files':
    'plants job.json / jobs/index.json states of a dead process; postgres recovery (leases, re-claim): the generation pg-specs',
  'data-dir-permissions':
    'file and folder modes under DATA_DIR (finding 2): postgres mode writes nothing there (checked by createTestApp)',
  'legacy-sessions-json': 'migrates an older sessions.json into session files (files mode only)',
  'session-file-modes': 'session files are 0600 in a 0700 folder (postgres: rows keyed by the id hash, pg-spec)',
  'two-factor-file-mode': 'two-factor.json is 0600 (postgres: a table)',
  'api-tokens-file-mode': 'api-tokens.json is 0600 (postgres: a table; the hash-only scan runs in both modes)',
  'usage-files':
    'reads OpenAI token counts from job.json, manifest.json and usage.json; the postgres ledger and jobs keep them ' +
    'per the generation contract (pg-spec); quotas themselves run in both modes (usage e2e)',
};

/**
 * `describe` in files mode; in postgres mode `describe.skip`, naming the reason listed in FILES_ONLY
 * (a key missing there is a mistake: it throws).
 */
export function describeFilesOnly(key: string, name: string, body: () => void): void {
  const why = FILES_ONLY[key];
  if (why === undefined) throw new Error(`describeFilesOnly: add "${key}" and its reason to FILES_ONLY`);
  if (testStore() === 'files') describe(name, body);
  else describe.skip(`${name} [files mode only: ${why}]`, body);
}

/** `it` in files mode; `it.skip` in postgres mode (same list and rule as describeFilesOnly). */
export function itFilesOnly(key: string): jest.It {
  if (FILES_ONLY[key] === undefined) throw new Error(`itFilesOnly: add "${key}" and its reason to FILES_ONLY`);
  return testStore() === 'files' ? it : it.skip;
}
