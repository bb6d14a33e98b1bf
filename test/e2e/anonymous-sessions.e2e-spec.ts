import * as fs from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';
import { sessionCount, sessionFiles } from '../helpers/sessions';
import {
  createTestApp,
  csrfFrom,
  loginAs,
  loginCookie,
  makeDataDir,
  mintInvite,
  rmDataDir,
  setupAdmin,
  TEST_SETUP_TOKEN,
  TestApp,
} from '../helpers/test-app';
import { describeFilesOnly } from '../helpers/store-mode';

/** Issue 13 / SPEC §5: visitors who are not logged in cost the store nothing. */

const ROOT_PASSWORD = 'correct horse battery';
const USER_PASSWORD = 'purple monkey dishwasher';

function setCookies(res: { headers: Record<string, unknown> }): string[] {
  return (res.headers['set-cookie'] as string[] | undefined) ?? [];
}

function cookiePair(res: { headers: Record<string, unknown> }, name: string): string | undefined {
  return setCookies(res)
    .find((c) => c.startsWith(`${name}=`))
    ?.split(';')[0];
}

/** A fresh browser: GETs the form page, returns its pre-login cookie and form token. */
async function anonymousForm(t: TestApp, page: string): Promise<{ cookie: string; token: string }> {
  const res = await request(t.http).get(page).expect(200);
  const cookie = cookiePair(res, 'gatehouse.pre');
  if (!cookie) throw new Error(`no pre-login cookie from ${page}`);
  return { cookie, token: csrfFrom(res.text) };
}

describe('no session before login (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
    rmDataDir(t.dataDir);
  });

  it('cookie-less GETs of /admin/setup (no admin yet) store no session and set no session cookie', async () => {
    const res = await request(t.http).get(`/admin/setup?token=${TEST_SETUP_TOKEN}`).expect(200);
    expect(setCookies(res).some((c) => c.startsWith('gatehouse.sid='))).toBe(false);
    expect(cookiePair(res, 'gatehouse.pre')).toBeDefined();
    expect(await sessionCount(t)).toBe(0);
  });

  describe('with an admin and an invite', () => {
    let code: string;
    beforeAll(async () => {
      const admin = await setupAdmin(t, 'root', ROOT_PASSWORD);
      await admin.agent.post('/logout').type('form').send({ _csrf: admin.csrf }).expect(303);
      code = await mintInvite(t);
    });

    it.each(['/login', '/login?next=/jobs', '/register', '/', '/reset-password?token=nope', '/healthz'])(
      'a cookie-less GET %s stores nothing and sets no session cookie',
      async (page) => {
        const before = await sessionCount(t);
        const res = await request(t.http).get(page);
        expect(res.status).toBeLessThan(500);
        expect(setCookies(res).some((c) => c.startsWith('gatehouse.sid='))).toBe(false);
        expect(await sessionCount(t)).toBe(before);
        expect(await sessionCount(t)).toBe(0);
      },
    );

    it('100 anonymous visits with forms leave the data folder as it was', async () => {
      const before = sessionFiles(t.dataDir).length;
      const sessionsBefore = await sessionCount(t);
      for (let i = 0; i < 100; i++)
        await request(t.http)
          .get(i % 2 ? '/login' : `/register?code=${code}`)
          .expect(200);
      expect(sessionFiles(t.dataDir)).toHaveLength(before);
      expect(await sessionCount(t)).toBe(sessionsBefore);
      expect(fs.existsSync(path.join(t.dataDir, 'sessions.json'))).toBe(false);
    });

    it('the pre-login cookie is HttpOnly, SameSite=Lax, Path=/ and reused while the browser keeps it', async () => {
      const agent = request.agent(t.http);
      const first = await agent.get('/login').expect(200);
      const cookie = setCookies(first).find((c) => c.startsWith('gatehouse.pre='))!;
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
      expect(cookie).toMatch(/Path=\//);
      const second = await agent.get('/register').expect(200);
      expect(cookiePair(second, 'gatehouse.pre')).toBeUndefined(); // not set again
      expect(csrfFrom(second.text)).toBe(csrfFrom(first.text));
    });

    it('login works end-to-end: one session from then on, its file private (0600), the pre-login cookie cleared', async () => {
      const before = await sessionCount(t);
      const agent = request.agent(t.http);
      const token = csrfFrom((await agent.get('/login').expect(200)).text);
      const res = await agent
        .post('/login')
        .type('form')
        .send({ username: 'root', password: ROOT_PASSWORD, _csrf: token })
        .expect(303);
      expect(cookiePair(res, 'gatehouse.sid')).toBeDefined();
      expect(setCookies(res).find((c) => c.startsWith('gatehouse.pre='))).toMatch(/Expires=Thu, 01 Jan 1970/);
      expect(await sessionCount(t)).toBe(before + 1);
      await agent.get('/account/password').expect(200);
      if (t.store !== 'files') return; // FILES_ONLY['session-file-modes']
      const files = sessionFiles(t.dataDir);
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(fs.statSync(path.join(t.dataDir, 'sessions')).mode & 0o777).toBe(0o700);
    });

    it('registration works end-to-end through the stateless token', async () => {
      const agent = request.agent(t.http);
      const token = csrfFrom((await agent.get(`/register?code=${code}`).expect(200)).text);
      await agent
        .post('/register')
        .type('form')
        .send({ username: 'dora', password: USER_PASSWORD, inviteCode: code, _csrf: token })
        .expect(303);
      await agent.get('/account/password').expect(200);
    });

    describe.each([
      ['/login', '/login', { username: 'root', password: ROOT_PASSWORD }],
      ['/register', '/register', { username: 'eve', password: USER_PASSWORD, inviteCode: 'whatever' }],
      ['/reset-password', '/login', { token: 'x'.repeat(43), password: USER_PASSWORD }],
      ['/logout', '/login', {}],
    ])('POST %s (anonymous form)', (action, page, fields) => {
      it('refuses a missing token (403)', async () => {
        const { cookie } = await anonymousForm(t, page);
        await request(t.http).post(action).set('Cookie', cookie).type('form').send(fields).expect(403);
      });

      it('refuses a wrong token (403)', async () => {
        const { cookie, token } = await anonymousForm(t, page);
        const wrong = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
        await request(t.http)
          .post(action)
          .set('Cookie', cookie)
          .type('form')
          .send({ ...fields, _csrf: wrong })
          .expect(403);
      });

      it("refuses another browser's token (403), and a token without its cookie", async () => {
        const mine = await anonymousForm(t, page);
        const theirs = await anonymousForm(t, page);
        await request(t.http)
          .post(action)
          .set('Cookie', mine.cookie)
          .type('form')
          .send({ ...fields, _csrf: theirs.token })
          .expect(403);
        await request(t.http)
          .post(action)
          .type('form')
          .send({ ...fields, _csrf: mine.token })
          .expect(403);
      });

      it('refuses a forged cross-site POST even with a valid pair (403)', async () => {
        const { cookie, token } = await anonymousForm(t, page);
        const res = await request(t.http)
          .post(action)
          .set('Cookie', cookie)
          .set('Origin', 'https://evil.example')
          .type('form')
          .send({ ...fields, _csrf: token });
        expect(res.status).toBe(403);
        expect(res.text).toContain('Cross-site');
        await request(t.http)
          .post(action)
          .set('Cookie', cookie)
          .set('Sec-Fetch-Site', 'cross-site')
          .type('form')
          .send({ ...fields, _csrf: token })
          .expect(403);
      });

      it('refused attempts store nothing', async () => {
        const before = await sessionCount(t);
        const { cookie } = await anonymousForm(t, page);
        await request(t.http)
          .post(action)
          .set('Cookie', cookie)
          .type('form')
          .send({ ...fields, _csrf: 'forged' })
          .expect(403);
        expect(await sessionCount(t)).toBe(before);
      });
    });

    it('a logged-in request needs its session token: a pre-login token does not do', async () => {
      const { agent, csrf } = await loginAs(t, 'root', ROOT_PASSWORD);
      const anonymous = await anonymousForm(t, '/login');
      await agent.post('/logout').type('form').send({ _csrf: anonymous.token }).expect(403);
      await agent.post('/logout').type('form').send({ _csrf: csrf }).expect(303);
    });
  });
});

describe('the setup form through the stateless token (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
    rmDataDir(t.dataDir);
  });

  it('refuses a missing, wrong or foreign token, then creates the admin with the right one', async () => {
    const page = `/admin/setup?token=${TEST_SETUP_TOKEN}`;
    const fields = { username: 'root', password: ROOT_PASSWORD, token: TEST_SETUP_TOKEN };
    const mine = await anonymousForm(t, page);
    const theirs = await anonymousForm(t, page);
    const post = (cookie: string, extra: Record<string, string>) =>
      request(t.http)
        .post('/admin/setup')
        .set('Cookie', cookie)
        .type('form')
        .send({ ...fields, ...extra });
    await post(mine.cookie, {}).expect(403);
    await post(mine.cookie, { _csrf: 'forged' }).expect(403);
    await post(mine.cookie, { _csrf: theirs.token }).expect(403);
    await post(mine.cookie, { _csrf: mine.token }).set('Origin', 'https://evil.example').expect(403);
    expect(await sessionCount(t)).toBe(0);
    const res = await post(mine.cookie, { _csrf: mine.token }).expect(303);
    expect(res.headers.location).toBe('/admin');
    expect(await sessionCount(t)).toBe(1);
  });
});

describeFilesOnly(
  'legacy-sessions-json',
  'sessions of an older version (sessions.json) survive the upgrade (e2e)',
  () => {
    it('a logged-in user stays logged in after sessions.json is migrated into files', async () => {
      const dataDir = makeDataDir();
      try {
        const first = await createTestApp({ dataDir });
        await setupAdmin(first, 'root', ROOT_PASSWORD);
        const cookie = await loginCookie(first, 'root', ROOT_PASSWORD);
        await first.close();

        // Rewrite the session files as the single sessions.json that older versions kept.
        const sid = decodeURIComponent(cookie.slice('gatehouse.sid='.length))
          .replace(/^s:/, '')
          .replace(/\.[^.]*$/, '');
        const live = sessionFiles(dataDir)
          .map((file) => JSON.parse(fs.readFileSync(file, 'utf8')) as { data: { userId?: string }; expiresAt: number })
          .filter((s) => s.data.userId !== undefined);
        const mine = live.find(() => true)!;
        const legacy = {
          sessions: {
            [sid]: { sess: mine.data, expiresAt: mine.expiresAt },
            'someone-else': { sess: mine.data, expiresAt: mine.expiresAt },
          },
        };
        fs.rmSync(path.join(dataDir, 'sessions'), { recursive: true });
        fs.writeFileSync(path.join(dataDir, 'sessions.json'), JSON.stringify(legacy), { mode: 0o600 });

        const second = await createTestApp({ dataDir });
        try {
          expect(fs.existsSync(path.join(dataDir, 'sessions.json'))).toBe(false);
          expect(await sessionCount(second)).toBe(2);
          const page = await request(second.http).get('/account/password').set('Cookie', cookie).expect(200);
          expect(page.text).toContain('root');
          for (const file of sessionFiles(dataDir)) expect(fs.statSync(file).mode & 0o777).toBe(0o600);
        } finally {
          await second.close();
        }
      } finally {
        rmDataDir(dataDir);
      }
    });
  },
);
