import * as fs from 'node:fs';
import request from 'supertest';
import { SetupService } from '../../src/auth/setup/setup.service';
import { Database } from '../../src/persistence/postgres/database';
import { createTestDatabase, TestDatabase } from '../helpers/postgres';
import { createTestApp, csrfFrom, loginCookie, rmDataDir, TestApp } from '../helpers/test-app';

/**
 * SPEC §9: two app processes on one database, neither given SESSION_SECRET nor ADMIN_SETUP_TOKEN, share
 * the generated session secret (a session made on one is valid on the other) and accept one setup token,
 * and neither writes anything under its DATA_DIR (createTestApp's close() checks it).
 */
describe('STORE=postgres: generated secrets are shared by every process on the database', () => {
  let testDb: TestDatabase;
  let hosts: TestApp[] = [];

  beforeAll(async () => {
    testDb = await createTestDatabase();
    const env = { STORE: 'postgres', DATABASE_URL: testDb.url, SESSION_SECRET: '', ADMIN_SETUP_TOKEN: '' };
    // Started together: they race to create the secrets.
    hosts = await Promise.all([createTestApp({ env }), createTestApp({ env })]);
  });
  afterAll(async () => {
    for (const t of hosts) {
      await t.close();
      rmDataDir(t.dataDir);
    }
    await testDb?.drop();
  });

  it('one setup token works on both, one session works on both; the database holds the token hash only', async () => {
    const tokens = hosts.map((t) => (t.app.get<SetupService, unknown>(SetupService) as { token?: string }).token);
    const token = tokens.find((value) => value !== undefined);
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);

    // Setup through host B with the token host A (or B) generated.
    const agent = request.agent(hosts[1].http);
    const page = await agent.get(`/admin/setup?token=${token}`).expect(200);
    await agent
      .post('/admin/setup')
      .type('form')
      .send({ username: 'root', password: 'correct horse battery', token, _csrf: csrfFrom(page.text) })
      .expect(303);

    // A session cookie signed on host A is accepted by host B.
    const cookie = await loginCookie(hosts[0], 'root', 'correct horse battery');
    await request(hosts[1].http).get('/account/password').set('Cookie', cookie).expect(200);

    const { rows } = await hosts[0].app
      .get(Database, { strict: false })
      .query<{ key: string; value: string }>('SELECT key, value FROM instance_settings ORDER BY key');
    expect(rows.map((r) => r.key)).toEqual(['session_secret', 'setup_token_sha256']);
    expect(rows[0].value.length).toBeGreaterThanOrEqual(32);
    expect(rows[1].value).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain(token);
    for (const t of hosts) expect(fs.readdirSync(t.dataDir)).toEqual([]);
  });
});
