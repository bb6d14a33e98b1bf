import * as fs from 'node:fs';
import * as path from 'node:path';
import { JsonApiTokensRepository } from '../../src/api-tokens/persistence/json/json-api-tokens.repository';
import { apiTokenDigest, newApiTokenSecret } from '../../src/api-tokens/token-format';
import { PgTwoFactorRepository } from '../../src/auth/two-factor/persistence/postgres/pg-two-factor.repository';
import { AppConfig } from '../../src/config/app-config';
import { JsonStore } from '../../src/persistence/json/json-store.service';
import { Totp } from '../../src/auth/two-factor/totp';
import { Database } from '../../src/persistence/postgres/database';
import { requireBuild } from '../helpers/dist';
import { FakeOpenAiServer, startFakeOpenAi } from '../helpers/fake-openai-server';
import { CAROL_ID, CAROL_TOTP_SECRET, FilesSite, SITE_PASSWORDS, writeFilesSite } from '../helpers/files-site';
import { eventually, runPgCli, SiteClient, sql, startHost } from '../helpers/multi-host';
import { createTestDatabase, startThrowawayPostgres, TestDatabase, ThrowawayPostgres } from '../helpers/postgres';
import { ServerProcess } from '../helpers/server-process';
import { makeDataDir, rmDataDir, TEST_SETUP_TOKEN } from '../helpers/test-app';

/**
 * SPEC §9 / issue 19: one site served by two app processes ("hosts") with separate DATA_DIRs on one
 * PostgreSQL database, as behind a load balancer. Jest project `reliability-postgres` (embedded
 * PostgreSQL from its globalSetup); needs `npm run build` first (npm test builds).
 */
const ADMIN_PASSWORD = 'correct horse battery';
const PASSWORD = 'a perfectly fine passphrase';
/** What startServer gives every host. */
const HOSTS_SESSION_SECRET = 'process-test-secret-0123456789-abcdefghijkl';

const idOf = (location: string | null): string => location!.split('/').pop()!;
const alternate = <T>(hosts: T[], i: number): T => hosts[i % hosts.length];

/** Nothing of the site is kept on a host's disk in postgres mode. */
function expectNoStateOnDisk(dataDir: string): void {
  const left = fs.existsSync(dataDir) ? fs.readdirSync(dataDir) : [];
  for (const name of ['users.json', 'invites.json', 'audit.jsonl', '.session-secret', 'jobs', 'usage.json']) {
    expect(left).not.toContain(name);
  }
}

async function waitForJob(client: SiteClient, host: string, id: string, withinMs = 20_000): Promise<any> {
  return eventually(
    async () => {
      const res = await client.get(host, `/api/job/${id}`);
      const body = JSON.parse(res.text);
      return body.status === 'succeeded' || body.status === 'failed' ? body : undefined;
    },
    withinMs,
    `job ${id} finished`,
  );
}

async function seedInvite(url: string, code: string, maxUses: number): Promise<void> {
  await sql(
    url,
    `INSERT INTO invites (code, note, role, created_at, created_by, max_uses) VALUES ($1, 'race', 'user', now(), 'root', $2)`,
    [code, maxUses],
  );
}

async function register(host: string, username: string, code: string): Promise<number> {
  const client = new SiteClient();
  const res = await client.submit(host, `/register?code=${code}`, '/register', {
    username,
    password: PASSWORD,
    inviteCode: code,
  });
  return res.status;
}

describe('two hosts on one database (built app, STORE=postgres)', () => {
  let testDb: TestDatabase;
  let fake: FakeOpenAiServer;
  const dataDirs: string[] = [];
  let hosts: ServerProcess[] = [];
  let urls: string[];
  const admin = new SiteClient();

  const hostEnv = () => ({
    GENERATION_PROVIDER: 'openai',
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_API_KEY: 'sk-test-multi-host',
    OPENAI_MAX_RETRIES: '0',
    GENERATION_CONCURRENCY: '2',
    GENERATION_DAILY_DRAFTS: '5',
    GENERATION_LEASE_SECONDS: '2',
  });

  beforeAll(async () => {
    requireBuild();
    testDb = await createTestDatabase();
    fake = await startFakeOpenAi({ delayMs: 100 });
    dataDirs.push(makeDataDir(), makeDataDir());
    // Both start at once: the migrations run once under their advisory lock.
    hosts = await Promise.all(dataDirs.map((dir) => startHost(dir, testDb.url, hostEnv())));
    urls = hosts.map((h) => h.url);
    const setup = await admin.submit(urls[0], `/admin/setup?token=${TEST_SETUP_TOKEN}`, '/admin/setup', {
      username: 'root',
      password: ADMIN_PASSWORD,
      token: TEST_SETUP_TOKEN,
    });
    expect(setup.status).toBe(303);
  });
  afterAll(async () => {
    for (const host of hosts) await host.stop();
    await fake?.close();
    for (const dir of dataDirs) {
      expectNoStateOnDisk(dir);
      rmDataDir(dir);
    }
    await testDb?.drop();
  });

  it('a session made on one host works on the other, and a logout on one ends it on both', async () => {
    const client = new SiteClient();
    expect(await client.login(urls[0], 'root', ADMIN_PASSWORD)).toBe(303);
    expect((await client.get(urls[1], '/admin')).status).toBe(200);
    expect((await client.get(urls[0], '/admin')).status).toBe(200);

    const other = new SiteClient();
    expect(await other.login(urls[1], 'root', ADMIN_PASSWORD)).toBe(303);
    // Log out on host 1 with the CSRF token of a page host 2 served (one session, one token).
    const out = await other.submit(urls[1], '/', '/logout', {}, urls[0]);
    expect(out.status).toBe(303);
    for (const url of urls) expect((await other.get(url, '/admin')).status).toBe(303);
    // The first session is untouched.
    expect((await client.get(urls[1], '/admin')).status).toBe(200);
  });

  it('a single-use invite raced 20-way across both hosts makes one account', async () => {
    await seedInvite(testDb.url, 'race-single-use', 1);
    const statuses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => register(alternate(urls, i), `single${i}`, 'race-single-use')),
    );
    expect(statuses.filter((s) => s === 303)).toHaveLength(1);
    const rows = await sql(testDb.url, "SELECT username FROM users WHERE username LIKE 'single%'");
    expect(rows).toHaveLength(1);
    const [invite] = await sql(testDb.url, "SELECT uses, used_by FROM invites WHERE code = 'race-single-use'");
    expect(invite.uses).toBe(1);
    expect(invite.used_by).toEqual([rows[0].username]);
  });

  it('a maxUses=10 invite raced 30-way across both hosts makes 10 accounts', async () => {
    await seedInvite(testDb.url, 'race-ten-uses', 10);
    const statuses = await Promise.all(
      Array.from({ length: 30 }, (_, i) => register(alternate(urls, i), `ten${i}`, 'race-ten-uses')),
    );
    expect(statuses.filter((s) => s === 303)).toHaveLength(10);
    expect(await sql(testDb.url, "SELECT 1 FROM users WHERE username LIKE 'ten%'")).toHaveLength(10);
    const [invite] = await sql(testDb.url, "SELECT uses FROM invites WHERE code = 'race-ten-uses'");
    expect(invite.uses).toBe(10);
  });

  it("a disable on one host acts on the other's very next request", async () => {
    await seedInvite(testDb.url, 'to-be-disabled', 1);
    const user = new SiteClient();
    const reg = await user.submit(urls[1], '/register?code=to-be-disabled', '/register', {
      username: 'dora',
      password: PASSWORD,
      inviteCode: 'to-be-disabled',
    });
    expect(reg.status).toBe(303);
    expect((await user.get(urls[1], '/jobs')).status).toBe(200);

    expect(await admin.login(urls[0], 'root', ADMIN_PASSWORD)).toBe(303);
    const disabled = await admin.submit(urls[0], '/admin', '/admin/users/dora/disable', {});
    expect(disabled.status).toBe(303);
    const next = await user.get(urls[1], '/jobs');
    expect(next.status).toBe(303);
    expect(next.location).toMatch(/^\/login/);
    await admin.submit(urls[0], '/admin', '/admin/users/dora/enable', {});
  });

  it('a daily quota raced across both hosts is never exceeded', async () => {
    await seedInvite(testDb.url, 'quota-racer', 1);
    const user = new SiteClient();
    await user.submit(urls[0], '/register?code=quota-racer', '/register', {
      username: 'quinn',
      password: PASSWORD,
      inviteCode: 'quota-racer',
    });
    // One CSRF token per session: fetch it once, then fire 12 one-draft jobs at both hosts at once.
    const page = await user.get(urls[0], '/');
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        user.post(alternate(urls, i), '/generate', { prompt: `Quota race ${i}.`, count: '1', _csrf: token }),
      ),
    );
    const created = results.filter((r) => r.status === 303);
    expect(created).toHaveLength(5); // GENERATION_DAILY_DRAFTS=5
    expect(results.filter((r) => r.status === 429)).toHaveLength(7);
    const jobs = JSON.parse((await user.get(urls[1], '/api/jobs?limit=100')).text).jobs;
    expect(jobs).toHaveLength(5);
    for (const r of created) await waitForJob(user, urls[1], idOf(r.location));
  });

  it('6 concurrent jobs on both hosts each run exactly once', async () => {
    fake.requests.length = 0;
    fake.maxInFlight = 0;
    fake.delayMs = 300;
    await seedInvite(testDb.url, 'six-jobs', 1);
    const user = new SiteClient();
    await user.submit(urls[1], '/register?code=six-jobs', '/register', {
      username: 'sixer',
      password: PASSWORD,
      inviteCode: 'six-jobs',
    });
    await sql(testDb.url, "UPDATE users SET daily_drafts = 100 WHERE username = 'sixer'");
    const token = /name="_csrf" value="([^"]+)"/.exec((await user.get(urls[1], '/')).text)![1];
    const posted = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        user.post(alternate(urls, i), '/generate', { prompt: `Exactly once ${i}.`, count: '1', _csrf: token }),
      ),
    );
    expect(posted.map((r) => r.status)).toEqual(Array(6).fill(303));
    const ids = posted.map((r) => idOf(r.location));
    const done = await Promise.all(ids.map((id, i) => waitForJob(user, alternate(urls, i + 1), id)));
    expect(done.map((j) => j.status)).toEqual(Array(6).fill('succeeded'));
    // One completion per job (count=1): none ran twice; at most 2 at once per host.
    expect(fake.requests).toHaveLength(6);
    expect(fake.maxInFlight).toBeLessThanOrEqual(4);
    // Any host serves any job's manifest and drafts.
    for (const id of ids) {
      for (const url of urls) {
        const manifest = await user.get(url, `/api/job/${id}/manifest`);
        expect(manifest.status).toBe(200);
        expect(JSON.parse(manifest.text).files).toHaveLength(1);
        expect((await user.get(url, `/result/${id}/drafts/1.md`)).status).toBe(200);
      }
    }
  });

  it('a host killed with SIGKILL while its jobs are queued and running: the other finishes them', async () => {
    fake.requests.length = 0;
    fake.delayMs = 2500;
    await seedInvite(testDb.url, 'kill-jobs', 1);
    const user = new SiteClient();
    await user.submit(urls[0], '/register?code=kill-jobs', '/register', {
      username: 'killer',
      password: PASSWORD,
      inviteCode: 'kill-jobs',
    });
    const token = /name="_csrf" value="([^"]+)"/.exec((await user.get(urls[0], '/')).text)![1];
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await user.post(urls[0], '/generate', { prompt: `Survives a kill ${i}.`, count: '1', _csrf: token });
      expect(res.status).toBe(303);
      ids.push(idOf(res.location));
    }
    // Both hosts claim (2 each at most): wait until completions are in flight, then kill host 1.
    await eventually(async () => (fake.inFlight >= 2 ? true : undefined), 10_000, 'jobs running');
    await hosts[0].stop('SIGKILL');
    fake.delayMs = 50;
    const done = await Promise.all(ids.map((id) => waitForJob(user, urls[1], id, 40_000)));
    expect(done.map((j) => j.status)).toEqual(Array(5).fill('succeeded'));
    // Host 1's jobs were taken over (a second attempt) rather than lost or run twice to completion.
    const attempts = await sql(testDb.url, 'SELECT attempts, claimed_by FROM jobs WHERE id = ANY($1)', [ids]);
    expect(attempts.some((row) => row.attempts === 2)).toBe(true);
    expect(attempts.every((row) => row.claimed_by === null)).toBe(true);
    // Each manifest lists the job's one draft, written once (a re-run replaces, never adds).
    for (const id of ids) {
      const manifest = JSON.parse((await user.get(urls[1], `/api/job/${id}/manifest`)).text);
      expect(manifest.files).toHaveLength(1);
    }
    // Host 1 comes back (same DATA_DIR, same database) and serves the same site.
    hosts[0] = await startHost(dataDirs[0], testDb.url, hostEnv());
    urls[0] = hosts[0].url;
    expect((await user.get(urls[0], `/api/job/${ids[0]}`)).status).toBe(200);
  });
});

describe('the database stopped under two hosts', () => {
  let server: ThrowawayPostgres;
  const dataDirs = [makeDataDir(), makeDataDir()];
  let hosts: ServerProcess[] = [];
  // It stops and restarts a server of its own; with TEST_DATABASE_URL there is none to stop.
  const ownServer = process.env.TEST_DATABASE_URL ? it.skip : it;

  afterAll(async () => {
    for (const host of hosts) await host.stop();
    await server?.close();
    for (const dir of dataDirs) rmDataDir(dir);
  });

  ownServer('both answer 503 on /healthz while it is down and recover without a restart', async () => {
    requireBuild();
    server = await startThrowawayPostgres();
    hosts = await Promise.all(dataDirs.map((dir) => startHost(dir, server.url)));
    const health = async (url: string) => (await fetch(`${url}/healthz`)).status;
    for (const host of hosts) expect(await health(host.url)).toBe(200);
    const root = new SiteClient();
    const setup = await root.submit(hosts[0].url, `/admin/setup?token=${TEST_SETUP_TOKEN}`, '/admin/setup', {
      username: 'root',
      password: ADMIN_PASSWORD,
      token: TEST_SETUP_TOKEN,
    });
    expect(setup.status).toBe(303);

    await server.stop();
    for (const host of hosts) {
      await eventually(async () => ((await health(host.url)) === 503 ? true : undefined), 5000, 'healthz 503');
      // A page that needs the store (the session) is a clear 503 during the outage, not a crash.
      const page = await root.get(host.url, '/jobs');
      expect(page.status).toBe(503);
    }

    await server.start();
    for (const host of hosts) {
      await eventually(async () => ((await health(host.url)) === 200 ? true : undefined), 15_000, 'healthz 200');
      await eventually(
        async () => ((await root.get(host.url, '/jobs')).status === 200 ? true : undefined),
        5000,
        '/jobs',
      );
      expect(host.child.exitCode).toBeNull();
    }
  });
});

describe('an imported files-mode site on two hosts', () => {
  let testDb: TestDatabase;
  let site: FilesSite;
  const dataDirs = [makeDataDir(), makeDataDir()];
  let hosts: ServerProcess[] = [];

  beforeAll(async () => {
    requireBuild();
    testDb = await createTestDatabase();
    site = writeFilesSite();
  });
  afterAll(async () => {
    for (const host of hosts) await host.stop();
    site?.remove();
    for (const dir of dataDirs) rmDataDir(dir);
    await testDb?.drop();
  });

  it('import-files copies it in one command; the hosts log in with the old passwords and serve the old jobs', async () => {
    // Carol's script token, made in files mode (only its digest is in the files).
    const scriptToken = newApiTokenSecret();
    await new JsonApiTokensRepository(new JsonStore({ dataDir: site.dir } as AppConfig)).create({
      id: '0b7c9d3e-1f2a-4b5c-8d6e-7f8091a2b3c4',
      userId: CAROL_ID,
      name: 'ci',
      tokenSha256: apiTokenDigest(scriptToken),
      createdAt: '2026-03-02T09:00:00.000Z',
      expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      lastUsedAt: null,
    });
    // With the hosts' settings, SESSION_SECRET included: carol's two-factor secret is re-sealed for it.
    const imported = await runPgCli(testDb.url, ['import-files', '--from', site.dir], {
      env: { SESSION_SECRET: HOSTS_SESSION_SECRET },
    });
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain(`Copied ${site.dir} into the database in one transaction:`);
    expect(imported.stdout).toMatch(/users: +3\n/);
    expect(imported.stdout).toMatch(/invites: +3 \(2 use\(s\)\)/);
    expect(imported.stdout).toMatch(/jobs: +2 \(1 queued or running/);
    expect(imported.stdout).toMatch(/drafts: +2\n/);
    expect(imported.stdout).toMatch(/audit entries: +3 \(1 unreadable line\(s\) skipped\)/);
    expect(imported.stdout).toMatch(/API tokens: +1\n/);

    // A second run: refused, exit 1, nothing changed.
    const before = await sql(
      testDb.url,
      'SELECT (SELECT count(*) FROM users) AS u, (SELECT count(*) FROM audit_log) AS a',
    );
    const again = await runPgCli(testDb.url, ['import-files', '--from', site.dir]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('The database is not empty');
    expect(
      await sql(testDb.url, 'SELECT (SELECT count(*) FROM users) AS u, (SELECT count(*) FROM audit_log) AS a'),
    ).toEqual(before);

    hosts = await Promise.all(dataDirs.map((dir) => startHost(dir, testDb.url)));
    // The files-mode token works on both hosts at once (no login, no two-factor: a bearer on /api).
    for (const host of hosts) {
      const listed = await fetch(`${host.url}/api/jobs`, { headers: { authorization: `Bearer ${scriptToken}` } });
      expect(listed.status).toBe(200);
      expect(await listed.text()).toContain(site.doneJobId);
    }
    // Carol's two-factor login came along: the password leads to /login/2fa, her authenticator's code logs her in.
    const carol = new SiteClient();
    expect(await carol.login(hosts[0].url, 'carol', SITE_PASSWORDS.carol)).toBe(303);
    expect((await carol.get(hosts[1].url, '/jobs')).status).toBe(303);
    const second = await carol.submit(hosts[1].url, '/login/2fa', '/login/2fa', {
      code: new Totp().generate(CAROL_TOTP_SECRET, new Date()),
    });
    expect(second.status).toBe(303);
    expect((await carol.get(hosts[0].url, '/jobs')).status).toBe(200);
    const result = await carol.get(hosts[1].url, `/result/${site.doneJobId}`);
    expect(result.status).toBe(200);
    for (const [i, text] of Object.values(site.drafts).entries()) {
      const draft = await carol.get(hosts[i % 2].url, `/result/${site.doneJobId}/drafts/${i + 1}.md`);
      expect(draft.status).toBe(200);
      expect(draft.text).toBe(text);
    }
    // The job the files site never ran is run now, by one of the hosts.
    const queued = await waitForJob(carol, hosts[1].url, site.queuedJobId);
    expect(queued.status).toBe('succeeded');

    // Prototype (Werkzeug) hashes log in on either host, and are re-hashed with bcrypt.
    const alice = new SiteClient();
    expect(await alice.login(hosts[1].url, 'alice', SITE_PASSWORDS.alice)).toBe(303);
    expect((await alice.get(hosts[0].url, '/admin')).status).toBe(200);
    const [row] = await sql(testDb.url, "SELECT password_hash FROM users WHERE username = 'alice'");
    expect(row.password_hash).toMatch(/^\$2b\$/);
    const bob = new SiteClient();
    expect(await bob.login(hosts[0].url, 'bob', SITE_PASSWORDS.Bob)).toBe(303);
    const [ledger] = await sql(testDb.url, 'SELECT 1 AS one FROM users WHERE id = $1', [CAROL_ID]);
    expect(ledger.one).toBe(1);
  });
});

describe('every CLI command in postgres mode, with no DATA_DIR', () => {
  let testDb: TestDatabase;
  let cwd: string;

  beforeAll(async () => {
    requireBuild();
    testDb = await createTestDatabase();
    cwd = makeDataDir(); // an empty working directory: nothing may appear in it
  });
  afterAll(async () => {
    rmDataDir(cwd);
    await testDb?.drop();
  });

  it('create-admin, mint-invite, list-users, reset-password, disable/enable-user, reset-2fa', async () => {
    const cli = (args: string[], input?: string) => runPgCli(testDb.url, args, { cwd, input });
    const created = await cli(['create-admin', 'root'], `${ADMIN_PASSWORD}\n`);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect((await cli(['create-admin', 'other'], `${ADMIN_PASSWORD}\n`)).code).toBe(1);

    const minted = await cli(['mint-invite', '--max-uses', '2', '--note', 'pg']);
    expect(minted.code).toBe(0);
    const code = /Invite code: (\S+)/.exec(minted.stdout)![1];
    expect(await sql(testDb.url, 'SELECT max_uses FROM invites WHERE code = $1', [code])).toEqual([{ max_uses: 2 }]);

    await sql(
      testDb.url,
      `INSERT INTO users (id, username, password_hash, role, created_at) VALUES ('u-pat', 'pat', 'x', 'user', now())`,
    );
    const listed = await cli(['list-users', '--json']);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).users.map((u: any) => u.username)).toEqual(['root', 'pat']);

    const reset = await cli(['reset-password', 'pat']);
    expect(reset.code).toBe(0);
    expect(reset.stdout).toMatch(/\/reset-password\?token=/);
    expect(await sql(testDb.url, "SELECT 1 FROM password_reset_tokens WHERE user_id = 'u-pat'")).toHaveLength(1);

    expect((await cli(['disable-user', 'pat'])).code).toBe(0);
    expect(await sql(testDb.url, "SELECT disabled FROM users WHERE username = 'pat'")).toEqual([{ disabled: true }]);
    expect((await cli(['enable-user', 'pat'])).code).toBe(0);
    expect((await cli(['disable-user', 'root'])).code).toBe(1); // the last admin
    const notOn = await cli(['reset-2fa', 'pat']);
    expect(notOn.code).toBe(1);
    expect(notOn.stderr).toContain('pat does not have two-factor login on.');
    const db = new Database({ url: testDb.url, poolSize: 1 });
    try {
      const twoFactor = new PgTwoFactorRepository(db);
      await twoFactor.savePending('u-pat', 'sealed', new Date().toISOString());
      await twoFactor.enable('u-pat', {
        sealedSecret: 'sealed',
        enabledAt: new Date().toISOString(),
        usedStep: 1,
        recoveryCodeHashes: [],
      });
    } finally {
      await db.close();
    }
    expect((await cli(['reset-2fa', 'pat'])).code).toBe(0);
    expect(
      await sql(testDb.url, "SELECT 1 FROM two_factor WHERE user_id = 'u-pat' AND sealed_secret IS NOT NULL"),
    ).toEqual([]);
    expect((await cli(['disable-user', 'ghost'])).code).toBe(1);

    const audit = await sql(testDb.url, "SELECT count(*)::int AS n FROM audit_log WHERE actor = 'cli'");
    expect(audit[0].n).toBeGreaterThanOrEqual(5);
    // No DATA_DIR was given and none was made.
    expect(fs.readdirSync(cwd)).toEqual([]);
    expect(fs.existsSync(path.join(cwd, 'data'))).toBe(false);
  });
});
