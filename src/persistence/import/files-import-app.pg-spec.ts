import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CAROL_ID,
  CAROL_RECOVERY_HASHES,
  CAROL_TOTP_SECRET,
  FilesSite,
  SITE_SESSION_SECRET,
  writeFilesSite,
} from '../../../test/helpers/files-site';
import { usePgDatabase } from '../../../test/helpers/pg-repository';
import { PgApiTokensRepository } from '../../api-tokens/persistence/postgres/pg-api-tokens.repository';
import { PgInstanceSecrets } from '../../auth/secrets/persistence/postgres/pg-instance-secrets';
import { PgTwoFactorRepository } from '../../auth/two-factor/persistence/postgres/pg-two-factor.repository';
import { SecretBox } from '../../auth/two-factor/secret-box';
import { AppConfig } from '../../config/app-config';
import { PgArtifactStore } from '../../generation/persistence/postgres/pg-artifact.store';
import { PgJobQueue } from '../../generation/persistence/postgres/pg-job-queue';
import { PgJobsRepository } from '../../generation/persistence/postgres/pg-jobs.repository';
import { PgUsageLedgerRepository } from '../../generation/persistence/postgres/pg-usage-ledger.repository';
import { ApiTokensImportStep } from './api-tokens-import.step';
import { FilesImport, ImportSourceError } from './files-import.service';
import { GenerationImportStep } from './generation-import.step';
import { TwoFactorImportStep } from './two-factor-import.step';

const TABLES = [
  'users',
  'invites',
  'audit_log',
  'jobs',
  'job_files',
  'usage_days',
  'usage_users',
  'usage_ledger_state',
  'two_factor',
  'api_tokens',
  'instance_settings',
];
const pg = usePgDatabase(TABLES);

/** The whole import over the postgres repositories, as `npm run cli -- import-files` wires it. */
describe('FilesImport with every step (postgres repositories)', () => {
  let site: FilesSite;
  const importer = (sessionSecret?: string) =>
    new FilesImport(pg.db, [
      new GenerationImportStep(
        new PgJobsRepository(pg.db),
        new PgArtifactStore(pg.db),
        new PgUsageLedgerRepository(pg.db),
      ),
      new TwoFactorImportStep(new PgTwoFactorRepository(pg.db), new PgInstanceSecrets(pg.db), {
        sessionSecret,
      } as AppConfig),
      new ApiTokensImportStep(new PgApiTokensRepository(pg.db)),
    ]);
  const contentRows = async () => {
    const counts: Record<string, number> = {};
    for (const table of TABLES) {
      const { rows } = await pg.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
      counts[table] = rows[0].n;
    }
    return counts;
  };

  beforeEach(async () => {
    await pg.truncate();
    site = writeFilesSite();
  });
  afterEach(() => site.remove());

  it('copies jobs with drafts and manifests, the usage ledger and two-factor, and reports each', async () => {
    const report = await importer().run(site.dir);
    expect(report.counts.map((c) => [c.kind, c.count])).toEqual([
      ['users', 3],
      ['invites', 3],
      ['audit entries', 3],
      ['jobs', 2],
      ['drafts', 2],
      ['manifests', 1],
      ['usage ledger', 1],
      ['two-factor enrolments', 1],
      ['API tokens', 0],
    ]);
    expect(report.notes.join('\n')).toContain("the database keeps the files site's session secret");

    const jobs = new PgJobsRepository(pg.db);
    expect((await jobs.allJobs()).map((j) => [j.id, j.status])).toEqual([
      [site.doneJobId, 'succeeded'],
      [site.queuedJobId, 'queued'],
    ]);
    const artifacts = new PgArtifactStore(pg.db);
    const manifest = await artifacts.readManifest(site.doneJobId);
    expect(manifest?.files.map((f) => f.path)).toEqual(Object.keys(site.drafts));
    const read = await artifacts.readArtifacts(site.doneJobId, Object.keys(site.drafts));
    expect(read.map((a) => a.content?.toString('utf8'))).toEqual(Object.values(site.drafts));
    const usage = new PgUsageLedgerRepository(pg.db);
    expect(await usage.draftsUsed(CAROL_ID, '2026-03-02')).toBe(4);

    // The queued job is claimable by any host's runner.
    const claimed = await new PgJobQueue(pg.db).claimNextJob('host-b:1:x', {
      leaseMs: 30_000,
      maxRunning: 2,
      now: new Date(),
    });
    expect(claimed).toBe(site.queuedJobId);

    // Two-factor: the database now keeps the files site's secret, so the sealed secret opens as it was.
    const secret = await pg.db.query<{ value: string }>(
      "SELECT value FROM instance_settings WHERE key = 'session_secret'",
    );
    expect(secret.rows[0].value).toBe(SITE_SESSION_SECRET);
    const state = await new PgTwoFactorRepository(pg.db).find(CAROL_ID);
    expect(state?.enrolment).toMatchObject({
      enabledAt: '2026-03-01T10:05:00.000Z',
      lastUsedStep: 59000000,
      recoveryCodeHashes: CAROL_RECOVERY_HASHES,
    });
    expect(SecretBox.forSecret(SITE_SESSION_SECRET).open(state!.enrolment!.sealedSecret)).toBe(CAROL_TOTP_SECRET);
    const bob = await new PgTwoFactorRepository(pg.db).find('legacy:bob');
    expect(bob?.enrolment).toBeNull();
    expect(bob?.pending).not.toBeNull();
    // The replay guard came along: an old step is refused.
    await expect(new PgTwoFactorRepository(pg.db).useTimeStep(CAROL_ID, 59000000)).resolves.toBe(false);
  });

  it('re-seals two-factor secrets for a different SESSION_SECRET', async () => {
    const newSecret = 'the-hosts-shared-session-secret-0123456789abcdef';
    await importer(newSecret).run(site.dir);
    const state = await new PgTwoFactorRepository(pg.db).find(CAROL_ID);
    expect(SecretBox.forSecret(newSecret).open(state!.enrolment!.sealedSecret)).toBe(CAROL_TOTP_SECRET);
    expect(SecretBox.forSecret(SITE_SESSION_SECRET).open(state!.enrolment!.sealedSecret)).toBeUndefined();
    expect((await contentRows()).instance_settings).toBe(0); // nothing kept: the environment gives it
  });

  it('refuses (nothing changed) when no key opens a two-factor secret', async () => {
    fs.writeFileSync(path.join(site.dir, '.session-secret'), 'some-other-secret-that-sealed-nothing-here-0123');
    await expect(importer('yet-another-secret-0123456789-abcdefghijklmnop').run(site.dir)).rejects.toThrow(
      /session secret does not open/,
    );
    expect(Object.values(await contentRows()).every((n) => n === 0)).toBe(true);
  });

  it('a broken manifest after the first job was written rolls everything back', async () => {
    fs.writeFileSync(path.join(site.dir, 'jobs', site.doneJobId, 'manifest.json'), '{"files": 3}');
    const error = await importer()
      .run(site.dir)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportSourceError);
    expect((error as Error).message).toContain('manifest.json: expected "files" to be an array');
    expect(Object.values(await contentRows()).every((n) => n === 0)).toBe(true);
  });

  it('a database a server already started on (migrated, secrets kept) still counts as empty', async () => {
    await new PgInstanceSecrets(pg.db).getOrCreate('session_secret', () => 'kept-by-a-first-start-0123456789-abcdefgh');
    await new PgInstanceSecrets(pg.db).getOrCreate('setup_token_sha256', () => 'a'.repeat(64));
    const report = await importer().run(site.dir);
    expect(report.counts[0]).toEqual({ kind: 'users', count: 3 });
    // Its kept secret stays, and carol's secret was re-sealed for it.
    const state = await new PgTwoFactorRepository(pg.db).find(CAROL_ID);
    expect(SecretBox.forSecret('kept-by-a-first-start-0123456789-abcdefgh').open(state!.enrolment!.sealedSecret)).toBe(
      CAROL_TOTP_SECRET,
    );
  });
});
