import request from 'supertest';
import { CaptureLogger } from '../helpers/capture-logger';
import { createTestApp, csrfFrom, loginCookie, rmDataDir, setupAdmin, TestApp } from '../helpers/test-app';

/**
 * SPEC §10: one access-log line per request (method, path without the query string, status, ms, user
 * id or `-`), and never a query string, cookie, header value, token or form field.
 */
describe('access log (e2e)', () => {
  let t: TestApp;
  let logger: CaptureLogger;
  let rootId: string;

  beforeAll(async () => {
    logger = new CaptureLogger();
    t = await createTestApp({ logger });
    await setupAdmin(t);
    rootId = (await t.state.user('root'))!.id;
  });
  afterAll(async () => {
    await t.close();
    rmDataDir(t.dataDir);
  });

  /** The access lines logged since `from` (lines are written on `finish`, right after the response). */
  async function accessLinesSince(from: number): Promise<string[]> {
    await new Promise((resolve) => setImmediate(resolve));
    return logger.lines
      .slice(from)
      .filter((line) => line.context === 'Access')
      .map((line) => line.message);
  }

  it('logs method, path, status, ms and the user id, and none of the secrets the request carried', async () => {
    const sid = await loginCookie(t, 'root', 'correct horse battery');
    const from = logger.lines.length;

    const page = await request(t.http)
      .get('/account/password?token=MARK-QUERY-1&next=/MARK-QUERY-2')
      .set('Cookie', `${sid}; tracker=MARK-COOKIE-3`)
      .set('X-Custom-Header', 'MARK-HEADER-4')
      .set('Authorization', 'Basic MARK-AUTH-5') // not Bearer: cookie + bearer is refused (SPEC §5.2)
      .set('User-Agent', 'MARK-AGENT-6')
      .set('Referer', 'http://127.0.0.1/MARK-REFERER-7')
      .expect(200);
    const posted = await request(t.http)
      .post('/account/password?secret=MARK-QUERY-8')
      .set('Cookie', `${sid}; tracker=MARK-COOKIE-9`)
      .set('X-Custom-Header', 'MARK-HEADER-10')
      .set('Authorization', 'Basic MARK-AUTH-11')
      .type('form')
      .send({ currentPassword: 'MARK-FIELD-12', newPassword: 'MARK-FIELD-13 long enough', _csrf: csrfFrom(page.text) });

    const lines = await accessLinesSince(from);
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^GET /account/password 200 \\d+(\\.\\d)?ms ${rootId}$`)),
      expect.stringMatching(new RegExp(`^POST /account/password ${posted.status} \\d+(\\.\\d)?ms ${rootId}$`)),
    ]);
    const access = logger.from('Access').slice(-2);
    expect(access[0].fields).toEqual({
      method: 'GET',
      path: '/account/password',
      status: 200,
      ms: expect.any(Number),
      user: rootId,
    });

    const everything = logger.text();
    expect(everything).not.toMatch(/MARK-/);
    expect(everything).not.toContain(sid.split('=')[1]);
    expect(everything).not.toContain(csrfFrom(page.text));
  });

  it('logs anonymous requests with "-", and what express answers before Nest: static files, 404s, body-parser errors', async () => {
    const from = logger.lines.length;
    await request(t.http).get('/static/css/app.css?v=MARK-QUERY-20').expect(200);
    await request(t.http).get('/no-such-page?x=MARK-QUERY-21').expect(404);
    await request(t.http).get('/jobs?MARK-QUERY-22').expect(303);
    await request(t.http)
      .post('/login')
      .type('form')
      .send(`username=root&password=${'MARK-FIELD-23'.repeat(10_000)}`)
      .expect(413);
    await request(t.http).post('/login').type('json').send('{"MARK-FIELD-24": ').expect(400);

    const lines = await accessLinesSince(from);
    expect(lines).toEqual([
      expect.stringMatching(/^GET \/static\/css\/app\.css 200 [\d.]+ms -$/),
      expect.stringMatching(/^GET \/no-such-page 404 [\d.]+ms -$/),
      expect.stringMatching(/^GET \/jobs 303 [\d.]+ms -$/),
      expect.stringMatching(/^POST \/login 413 [\d.]+ms -$/),
      expect.stringMatching(/^POST \/login 400 [\d.]+ms -$/),
    ]);
    expect(logger.text()).not.toMatch(/MARK-/);
  });

  it("shows a logged-in user's own navigation on a 404 no route produced, and logs their id", async () => {
    const sid = await loginCookie(t, 'root', 'correct horse battery');
    const from = logger.lines.length;

    const page = await request(t.http).get('/no-such-page').set('Cookie', sid).expect(404);
    expect(page.text).toContain('data-testid="nav-user"');
    expect(page.text).toContain('>root</a>');
    expect(page.headers['cache-control']).toBe('no-store');
    const anonymous = await request(t.http).get('/no-such-page').expect(404);
    expect(anonymous.text).not.toContain('data-testid="nav-user"');

    expect(await accessLinesSince(from)).toEqual([
      expect.stringMatching(new RegExp(`^GET /no-such-page 404 [\\d.]+ms ${rootId}$`)),
      expect.stringMatching(/^GET \/no-such-page 404 [\d.]+ms -$/),
    ]);
  });

  it("cuts an invite code in a path to the audit log's 4-character hint", async () => {
    const from = logger.lines.length;
    await request(t.http).post('/admin/invites/SECRETCODE123456/revoke').expect(303);
    expect(await accessLinesSince(from)).toEqual([expect.stringMatching(/^POST \/admin\/invites\/SECR…\/revoke 303 /)]);
    expect(logger.text()).not.toContain('SECRETCODE');
  });
});
