import request from 'supertest';
import { createTestDatabase, TestDatabase, testServerUrl } from '../helpers/postgres';
import { TcpProxy } from '../helpers/tcp-proxy';
import { createTestApp, rmDataDir, setupAdmin, TestApp } from '../helpers/test-app';
import { Agent } from '../helpers/test-app';

/** Polls until GET /healthz answers `status`; returns how long that took. */
async function healthBecomes(t: TestApp, status: number, withinMs: number): Promise<number> {
  const began = Date.now();
  while (Date.now() - began < withinMs) {
    if ((await request(t.http).get('/healthz')).status === status) return Date.now() - began;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`/healthz did not answer ${status} within ${withinMs} ms`);
}

/**
 * The full app in postgres mode with its connection to the database cut (SPEC §10, issue 18 "Health"):
 * /healthz 503 while the database is unreachable and 200 again without a restart; requests meanwhile
 * get a clear 503 page (HTML) or JSON under /api, never a 500 or a crash.
 */
describe('STORE=postgres: the database becomes unreachable, then comes back', () => {
  let testDb: TestDatabase;
  let proxy: TcpProxy;
  let t: TestApp;
  let admin: Agent;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    const server = new URL(testServerUrl());
    proxy = await TcpProxy.start(server.hostname, Number(server.port));
    t = await createTestApp({ env: { STORE: 'postgres', DATABASE_URL: proxy.urlFor(testDb.url) } });
    ({ agent: admin } = await setupAdmin(t));
  });
  afterAll(async () => {
    proxy?.restore();
    await t?.close();
    if (t) rmDataDir(t.dataDir);
    await proxy?.close();
    await testDb?.drop();
  });

  it('answers 503 (page / JSON) during the outage and serves again once the database is back', async () => {
    await request(t.http).get('/healthz').expect(200, { status: 'ok' });
    await admin.get('/admin').expect(200);

    proxy.cut();
    await request(t.http).get('/healthz').expect(503, { status: 'unavailable' });

    // A logged-in page: the session cannot be read.
    const page = await admin.get('/admin').set('Accept', 'text/html');
    expect(page.status).toBe(503);
    expect(page.headers['content-type']).toMatch(/html/);
    expect(page.headers['retry-after']).toBe('5');
    expect(page.text).toContain('temporarily unavailable');
    expect(page.text).not.toMatch(/ECONNRE|at \w+ \(|Error:/);

    // The JSON API.
    const api = await admin.get('/api/jobs');
    expect(api.status).toBe(503);
    expect(api.body).toEqual({ error: expect.stringContaining('temporarily unavailable') });

    // A form that reads the store (login looks the user up).
    const login = await request(t.http).get('/login').expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(login.text)![1];
    const cookie = login.headers['set-cookie'] as unknown as string[];
    const post = await request(t.http)
      .post('/login')
      .set('Cookie', cookie)
      .type('form')
      .send({ username: 'root', password: 'correct horse battery', _csrf: csrf });
    expect(post.status).toBe(503);

    proxy.restore();
    expect(await healthBecomes(t, 200, 5000)).toBeLessThan(5000);
    await admin.get('/admin').expect(200); // the same session, no restart
    await admin.get('/api/jobs').expect(200);
  });
});
