import * as fs from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';
import { TWO_FACTOR_FILE } from '../../src/auth/two-factor/persistence/json/json-two-factor.repository';
import { UsersService } from '../../src/users/users.service';
import { CaptureLogger } from '../helpers/capture-logger';
import {
  Agent,
  createTestApp,
  csrfFrom,
  freshCsrf,
  loginAs,
  mintInvite,
  newAgent,
  register,
  rmDataDir,
  sessionCookie,
  setupAdmin,
  TEST_SETUP_TOKEN,
  TestApp,
} from '../helpers/test-app';
import {
  codeStep,
  enrolTwoFactor,
  loginWithCode,
  nextCode,
  passwordStep,
  recoveryCodesFrom,
  secretFrom,
  totp,
} from '../helpers/two-factor';
import { rawAudit, rawStore, storedText } from '../helpers/raw-store';

const ROOT_PASSWORD = 'correct horse battery';
const BOB_PASSWORD = 'purple monkey dishwasher';

/** Every file under DATA_DIR, as text (the secret-leak scan). */
function everyFile(dir: string): string {
  let text = '';
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    text += entry.isDirectory() ? everyFile(full) : `\n${fs.readFileSync(full, 'utf8')}`;
  }
  return text;
}

/** The ways a recovery code could be written down: as shown, without dashes, upper case. */
function spellings(code: string): string[] {
  const bare = code.replace(/-/g, '');
  return [code, bare, bare.toUpperCase()];
}

describe('two-factor login (e2e)', () => {
  let t: TestApp;
  let logger: CaptureLogger;

  beforeEach(async () => {
    logger = new CaptureLogger();
    t = await createTestApp({ logger, env: { LOGIN_MAX_FAILURES: '5' } });
  });
  afterEach(async () => {
    await t.close();
    rmDataDir(t.dataDir);
  });

  describe('GET /account', () => {
    it('shows username, role, created, 2FA status, the password link and the API tokens section; linked from the auth bar', async () => {
      const { agent } = await setupAdmin(t, 'root', ROOT_PASSWORD);
      const page = await agent.get('/account').expect(200);
      expect(page.headers['cache-control']).toBe('no-store');
      expect(page.text).toMatch(/data-testid="account-username">root</);
      expect(page.text).toMatch(/data-testid="account-role">admin</);
      expect(page.text).toMatch(/data-testid="account-2fa">Off</);
      expect(page.text).toContain('href="/account/password"');
      expect(page.text).toContain('href="/account/2fa"');
      expect(page.text).toContain('id="api-tokens"');
      expect(page.text).toMatch(/<a href="\/account" data-testid="nav-user">root<\/a>/);
      await enrolTwoFactor(t, agent);
      expect((await agent.get('/account').expect(200)).text).toMatch(/data-testid="account-2fa">On since/);
    });
  });

  describe('enrolment at /account/2fa', () => {
    it('setup shows a QR image (data: URI, no script) and the grouped base32 secret; CSP unchanged', async () => {
      const { agent } = await setupAdmin(t, 'root', ROOT_PASSWORD);
      const before = await agent.get('/account/2fa').expect(200);
      expect(before.text).toMatch(/Two-factor login is <strong>off<\/strong>/);
      const setup = await agent
        .post('/account/2fa/setup')
        .type('form')
        .send({ _csrf: csrfFrom(before.text) });
      expect(setup.status).toBe(200);
      expect(setup.headers['cache-control']).toBe('no-store');
      expect(setup.headers['content-security-policy']).toBe(before.headers['content-security-policy']);
      expect(setup.headers['content-security-policy']).toContain("script-src 'self'");
      // Handlebars writes `=` as &#x3D; in attributes; the browser reads it back.
      expect(setup.text).toMatch(/<img class="qr" src="data:image\/svg\+xml;base64,[A-Za-z0-9+/]+(&#x3D;)*"/);
      expect(setup.text).not.toMatch(/<script/i);
      expect(setup.text).toMatch(/data-testid="2fa-secret">([A-Z2-7]{4} ){7}[A-Z2-7]{4}</);
      const secret = secretFrom(setup.text);
      const qr = /src="data:image\/svg\+xml;base64,([^"]+)"/.exec(setup.text)![1].replace(/&#x3D;/g, '=');
      expect(Buffer.from(qr, 'base64').toString()).toMatch(/^<svg/);
      // At rest the pending secret is sealed.
      expect(await storedText(t, TWO_FACTOR_FILE)).not.toContain(secret);
    });

    it('a wrong code re-shows the same setup with the error (400); a right one turns it on and shows 10 recovery codes once', async () => {
      const { agent } = await setupAdmin(t, 'root', ROOT_PASSWORD);
      const start = await agent.get('/account/2fa').expect(200);
      const setup = await agent
        .post('/account/2fa/setup')
        .type('form')
        .send({ _csrf: csrfFrom(start.text) });
      const secret = secretFrom(setup.text);
      const csrf = csrfFrom(setup.text);
      const wrongCode = totp.generate(secret, new Date(t.clock.now().getTime() - 5 * 60_000));
      const wrong = await agent.post('/account/2fa/enable').type('form').send({ _csrf: csrf, code: wrongCode });
      expect(wrong.status).toBe(400);
      expect(wrong.text).toContain('That code does not match');
      expect(secretFrom(wrong.text)).toBe(secret);

      const done = await agent
        .post('/account/2fa/enable')
        .type('form')
        .send({ _csrf: csrf, code: totp.generate(secret, t.clock.now()) })
        .expect(200);
      expect(done.headers['cache-control']).toBe('no-store');
      const codes = recoveryCodesFrom(done.text);
      expect(codes).toHaveLength(10);
      expect(done.text).toContain('shown only this once');

      const after = await agent.get('/account/2fa').expect(200);
      expect(after.text).toMatch(/Two-factor login is <strong>on<\/strong>/);
      expect(after.text).toMatch(/data-testid="2fa-recovery-left">10</);
      for (const page of [after.text, (await agent.get('/account').expect(200)).text]) {
        expect(page).not.toContain(secret);
        expect(page).not.toMatch(/2fa-secret|<img class="qr"/);
        for (const code of codes) expect(page).not.toContain(code);
      }
      // No second setup while it is on.
      const again = await agent.post('/account/2fa/setup').type('form').send({ _csrf: csrf });
      expect(again.status).toBe(409);
    });

    it('enable without a setup in progress is refused (409)', async () => {
      const { agent, csrf } = await setupAdmin(t, 'root', ROOT_PASSWORD);
      const res = await agent.post('/account/2fa/enable').type('form').send({ _csrf: csrf, code: '123456' });
      expect(res.status).toBe(409);
    });

    it('anonymous visitors are sent to log in; a forged form is refused (403)', async () => {
      const res = await request(t.http).get('/account/2fa').expect(303);
      expect(res.headers.location).toBe('/login?next=%2Faccount%2F2fa');
      const { agent } = await setupAdmin(t, 'root', ROOT_PASSWORD);
      await agent.post('/account/2fa/setup').type('form').send({ _csrf: 'forged' }).expect(403);
    });

    it('disabling: right password + wrong codes still lock the username (the password does not wipe them)', async () => {
      const { agent } = await setupAdmin(t, 'root', ROOT_PASSWORD);
      const { secret } = await enrolTwoFactor(t, agent);
      const csrf = await freshCsrf(agent);
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await agent
          .post('/account/2fa/disable')
          .type('form')
          .send({ _csrf: csrf, currentPassword: ROOT_PASSWORD, code: '000000' });
        statuses.push(res.status);
      }
      // LOGIN_MAX_FAILURES=5: five wrong codes, then locked.
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
      const locked = await agent
        .post('/account/2fa/disable')
        .type('form')
        .send({ _csrf: csrf, currentPassword: ROOT_PASSWORD, code: nextCode(t, secret) });
      expect(locked.status).toBe(429);
    });

    it('disable needs the current password and a code', async () => {
      const { agent } = await setupAdmin(t, 'root', ROOT_PASSWORD);
      const { secret } = await enrolTwoFactor(t, agent);
      const csrf = await freshCsrf(agent);
      const code = nextCode(t, secret);
      const badPassword = await agent
        .post('/account/2fa/disable')
        .type('form')
        .send({ _csrf: csrf, currentPassword: 'not my password', code });
      expect(badPassword.status).toBe(401);
      expect(badPassword.text).toContain('Your current password is not correct.');
      const badCode = await agent
        .post('/account/2fa/disable')
        .type('form')
        .send({ _csrf: csrf, currentPassword: ROOT_PASSWORD, code: '000000' });
      expect(badCode.status).toBe(401);
      const off = await agent
        .post('/account/2fa/disable')
        .type('form')
        .send({ _csrf: csrf, currentPassword: ROOT_PASSWORD, code })
        .expect(303);
      expect(off.headers.location).toBe('/account/2fa?off=1');
      expect((await agent.get('/account/2fa?off=1').expect(200)).text).toContain('Two-factor login is off.');
      // The next login needs no code.
      expect((await passwordStep(t, 'root', ROOT_PASSWORD)).res.headers.location).toBe('/');
    });
  });

  describe('login in two steps', () => {
    let secret: string;
    let codes: string[];

    beforeEach(async () => {
      const { agent } = await setupAdmin(t, 'root', ROOT_PASSWORD);
      ({ secret, codes } = await enrolTwoFactor(t, agent));
    });

    it('a right password leads to /login/2fa without logging in; a right code logs in with a new session id and honours next', async () => {
      const { agent, res } = await passwordStep(t, 'root', ROOT_PASSWORD, '/jobs?x=1');
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/login/2fa');
      const halfCookie = sessionCookie(res)!.split(';')[0];

      // Not logged in: gated pages send to /login, /api answers 401, admin pages too.
      expect((await agent.get('/jobs').expect(303)).headers.location).toBe('/login?next=%2Fjobs');
      expect((await agent.get('/admin').expect(303)).headers.location).toBe('/login?next=%2Fadmin');
      await agent.get('/api/job/00000000-0000-4000-8000-000000000000').expect(401);
      expect((await agent.get('/').expect(200)).text).toContain('data-testid="nav-login"');

      const page = await agent.get('/login/2fa').expect(200);
      expect(page.text).toContain('name="code"');
      const done = await agent
        .post('/login/2fa')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), code: nextCode(t, secret) })
        .expect(303);
      expect(done.headers.location).toBe('/jobs?x=1');
      expect(sessionCookie(done)!.split(';')[0]).not.toBe(halfCookie);
      await agent.get('/jobs').expect(200);
      // The half-done session is gone: its cookie is not logged in.
      await request(t.http).get('/jobs').set('Cookie', halfCookie).expect(303);
    });

    it('the right password starts the first session (there is none before login); /login/2fa takes its session-bound CSRF token', async () => {
      const { agent, csrf: preLoginToken } = await newAgent(t);
      const res = await agent
        .post('/login')
        .type('form')
        .send({ username: 'root', password: ROOT_PASSWORD, _csrf: preLoginToken });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/login/2fa');
      expect(sessionCookie(res)).toBeDefined();
      // The pre-login cookie is done with, as at a one-step login.
      const cleared = ((res.headers['set-cookie'] as unknown as string[]) ?? []).find((c) =>
        c.startsWith('gatehouse.pre='),
      );
      expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970/);

      const page = await agent.get('/login/2fa').expect(200);
      const token = csrfFrom(page.text);
      expect(token).not.toBe(preLoginToken);
      // The pre-login token no longer passes for this session; the page's token does.
      await agent
        .post('/login/2fa')
        .type('form')
        .send({ _csrf: preLoginToken, code: nextCode(t, secret) })
        .expect(403);
      const done = await agent
        .post('/login/2fa')
        .type('form')
        .send({ _csrf: token, code: nextCode(t, secret) });
      expect(done.status).toBe(303);
      expect(done.headers.location).toBe('/');
      await agent.get('/jobs').expect(200);
    });

    it('a wrong code is refused (401) and the login stays half-done', async () => {
      const { agent } = await passwordStep(t, 'root', ROOT_PASSWORD);
      const wrong = await codeStep(agent, '000000');
      expect(wrong.status).toBe(401);
      expect(wrong.text).toContain('That code is not valid');
      await agent.get('/jobs').expect(303);
      expect((await codeStep(agent, nextCode(t, secret))).status).toBe(303);
    });

    it('a code is accepted once: its replay in the same step is refused', async () => {
      const code = nextCode(t, secret);
      await loginWithCode(t, 'root', ROOT_PASSWORD, code);
      const { agent } = await passwordStep(t, 'root', ROOT_PASSWORD);
      expect((await codeStep(agent, code)).status).toBe(401);
    });

    it('two logins racing with the same code: exactly one gets in', async () => {
      const first = await passwordStep(t, 'root', ROOT_PASSWORD);
      const second = await passwordStep(t, 'root', ROOT_PASSWORD);
      const [csrfA, csrfB] = await Promise.all(
        [first.agent, second.agent].map(async (a) => csrfFrom((await a.get('/login/2fa').expect(200)).text)),
      );
      const code = nextCode(t, secret);
      const results = await Promise.all([
        first.agent.post('/login/2fa').type('form').send({ _csrf: csrfA, code }),
        second.agent.post('/login/2fa').type('form').send({ _csrf: csrfB, code }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([303, 401]);
    });

    it('one step of clock drift is accepted', async () => {
      t.clock.advance(5 * 30_000);
      const behind = totp.generate(secret, new Date(t.clock.now().getTime() - 30_000));
      await loginWithCode(t, 'root', ROOT_PASSWORD, behind);
    });

    it('the half-done login expires after 5 minutes', async () => {
      const { agent } = await passwordStep(t, 'root', ROOT_PASSWORD);
      const page = await agent.get('/login/2fa').expect(200);
      t.clock.advance(5 * 60_000 + 1000);
      const late = await agent
        .post('/login/2fa')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), code: totp.generate(secret, t.clock.now()) });
      expect(late.status).toBe(303);
      expect(late.headers.location).toBe('/login');
      await agent.get('/jobs').expect(303);
      expect((await agent.get('/login/2fa').expect(303)).headers.location).toBe('/login');
    });

    it('/login/2fa without a password step goes back to /login; a forged form is refused', async () => {
      expect((await request(t.http).get('/login/2fa').expect(303)).headers.location).toBe('/login');
      const { agent } = await passwordStep(t, 'root', ROOT_PASSWORD);
      await agent.post('/login/2fa').type('form').send({ _csrf: 'forged', code: '123456' }).expect(403);
    });

    it('each recovery code works once instead of a code', async () => {
      const agent = await loginWithCode(t, 'root', ROOT_PASSWORD, codes[0].toUpperCase());
      await agent.get('/jobs').expect(200);
      expect((await agent.get('/account/2fa').expect(200)).text).toMatch(/data-testid="2fa-recovery-left">9</);
      const { agent: again } = await passwordStep(t, 'root', ROOT_PASSWORD);
      expect((await codeStep(again, codes[0])).status).toBe(401);
      expect((await codeStep(again, codes[1])).status).toBe(303);
    });

    it('wrong codes count towards the username lockout (429 + Retry-After); a right password in between does not clear them', async () => {
      const { agent } = await passwordStep(t, 'root', ROOT_PASSWORD);
      for (let i = 0; i < 2; i++) expect((await codeStep(agent, '000000')).status).toBe(401);
      // A fresh password step must not wipe the two failures.
      const { agent: second } = await passwordStep(t, 'root', ROOT_PASSWORD);
      // Failures 3 to 5 (LOGIN_MAX_FAILURES=5): the fifth locks the username.
      for (let i = 0; i < 3; i++) expect((await codeStep(second, '000000')).status).toBe(401);
      const locked = await codeStep(second, nextCode(t, secret));
      expect(locked.status).toBe(429);
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(60);
      // The password step is locked too.
      expect((await passwordStep(t, 'root', ROOT_PASSWORD)).res.status).toBe(429);
      t.clock.advance(15 * 60_000 + 1000);
      await loginWithCode(t, 'root', ROOT_PASSWORD, nextCode(t, secret));
    });

    it('signing the user out everywhere between the steps voids the half-done login', async () => {
      const { agent } = await passwordStep(t, 'root', ROOT_PASSWORD);
      await agent.get('/login/2fa').expect(200);
      await t.app.get(UsersService).endAllSessions('root');
      expect((await agent.get('/login/2fa').expect(303)).headers.location).toBe('/login');
    });

    it('a password reset link does not skip the code at the next login', async () => {
      const { agent } = await passwordStep(t, 'root', ROOT_PASSWORD);
      await codeStep(agent, nextCode(t, secret));
      const panel = await agent.get('/admin').expect(200);
      const link = await agent
        .post('/admin/users/root/reset')
        .type('form')
        .send({ _csrf: csrfFrom(panel.text) });
      const token = /token(?:=|&#x3D;)([A-Za-z0-9_-]+)/.exec(link.text)![1];
      const anon = request.agent(t.http);
      const resetPage = await anon.get(`/reset-password?token=${token}`).expect(200);
      const reset = await anon
        .post('/reset-password')
        .type('form')
        .send({ token, password: 'a brand new passphrase', _csrf: csrfFrom(resetPage.text) })
        .expect(303);
      expect(reset.headers.location).toBe('/login?reset=1');
      expect((await passwordStep(t, 'root', 'a brand new passphrase')).res.headers.location).toBe('/login/2fa');
    });
  });

  describe('admin reset', () => {
    it("an admin resets a user's 2FA: it is off, their sessions end, the panel showed who had it; audited", async () => {
      const admin = await setupAdmin(t, 'root', ROOT_PASSWORD);
      await register(t, 'bob', BOB_PASSWORD, await mintInvite(t));
      const bobAgent = (await loginAs(t, 'bob', BOB_PASSWORD)).agent;
      const { secret } = await enrolTwoFactor(t, bobAgent);
      const panel = await admin.agent.get('/admin').expect(200);
      expect(panel.text).toMatch(/data-username="bob"[\s\S]*?data-testid="user-2fa"><span class="badge badge-ok">on/);
      expect(panel.text).toContain('action="/admin/users/bob/2fa/reset"');

      await admin.agent
        .post('/admin/users/bob/2fa/reset')
        .type('form')
        .send({ _csrf: csrfFrom(panel.text) })
        .expect(303);
      expect((await bobAgent.get('/jobs').expect(303)).headers.location).toMatch(/^\/login/);
      expect((await passwordStep(t, 'bob', BOB_PASSWORD)).res.headers.location).toBe('/');
      const events = await t.state.audit();
      expect(events.some((e) => e.event === '2fa.reset' && e.actor === 'root' && e.target === 'bob')).toBe(true);
      expect(await rawAudit(t)).not.toContain(secret);
      // Nothing left to reset.
      const again = await admin.agent
        .post('/admin/users/bob/2fa/reset')
        .type('form')
        .send({ _csrf: csrfFrom(panel.text) });
      expect(again.status).toBe(409);
    });

    it('a plain user cannot reset anyone (403); an admin resets their own only with their own code', async () => {
      const admin = await setupAdmin(t, 'root', ROOT_PASSWORD);
      const { secret } = await enrolTwoFactor(t, admin.agent);
      const bob = await register(t, 'bob', BOB_PASSWORD, await mintInvite(t));
      await bob.agent.post('/admin/users/root/2fa/reset').type('form').send({ _csrf: bob.csrf }).expect(403);

      const csrf = await freshCsrf(admin.agent);
      const noCode = await admin.agent.post('/admin/users/root/2fa/reset').type('form').send({ _csrf: csrf });
      expect(noCode.status).toBe(400);
      const wrong = await admin.agent
        .post('/admin/users/root/2fa/reset')
        .type('form')
        .send({ _csrf: csrf, code: '000000' });
      expect(wrong.status).toBe(401);
      await admin.agent
        .post('/admin/users/root/2fa/reset')
        .type('form')
        .send({ _csrf: csrf, code: nextCode(t, secret) })
        .expect(303);
      // Their own session goes on; 2FA is off.
      expect((await admin.agent.get('/account').expect(200)).text).toMatch(/data-testid="account-2fa">Off</);
    });
  });

  it('no secret or recovery code rests in DATA_DIR in the clear, nor reaches the audit log, the log, the users export or a later page', async () => {
    const { agent } = await setupAdmin(t, 'root', ROOT_PASSWORD);
    const { secret, codes } = await enrolTwoFactor(t, agent);
    // Use some of it: a login with a code, one with a recovery code, a wrong code.
    await loginWithCode(t, 'root', ROOT_PASSWORD, nextCode(t, secret));
    const admin = await loginWithCode(t, 'root', ROOT_PASSWORD, codes[2]);
    const { agent: failing } = await passwordStep(t, 'root', ROOT_PASSWORD);
    await codeStep(failing, codes[2]);
    const exported = (await admin.get('/admin/users.json').expect(200)).text;
    const pages = [
      exported,
      (await admin.get('/admin').expect(200)).text,
      (await admin.get('/account').expect(200)).text,
      (await admin.get('/account/2fa').expect(200)).text,
    ];
    if (t.store === 'files') {
      await t.app.get((await import('../../src/persistence/json/json-store.service')).JsonStore).flush();
    }

    const forbidden = [secret, secret.toLowerCase(), ...codes.flatMap(spellings)];
    // Every file under DATA_DIR, or every row of every table in postgres mode.
    const files = t.store === 'files' ? everyFile(t.dataDir) : await rawStore(t);
    const audit = await rawAudit(t);
    for (const value of forbidden) {
      expect(files).not.toContain(value);
      expect(audit).not.toContain(value);
      expect(logger.text()).not.toContain(value);
      for (const page of pages) expect(page).not.toContain(value);
    }
    const events = await t.state.audit();
    expect(events.map((e) => e.event)).toEqual(
      expect.arrayContaining(['2fa.enable', 'login.recovery_code', 'login.2fa_failure']),
    );
    expect(events.some((e) => e.event === 'login.success' && e.second_factor === 'totp')).toBe(true);
    if (t.store === 'files') {
      // FILES_ONLY['two-factor-file-mode']
      expect(fs.statSync(path.join(t.dataDir, TWO_FACTOR_FILE)).mode & 0o777).toBe(0o600);
    }
  });
});

describe('REQUIRE_ADMIN_2FA (e2e)', () => {
  let t: TestApp;
  let admin: { agent: Agent; csrf: string };

  beforeEach(async () => {
    t = await createTestApp({ env: { REQUIRE_ADMIN_2FA: 'true' } });
    // setupAdmin() reads its CSRF token from /account/password, which a confined admin cannot open.
    const agent = request.agent(t.http);
    const page = await agent.get(`/admin/setup?token=${TEST_SETUP_TOKEN}`).expect(200);
    await agent
      .post('/admin/setup')
      .type('form')
      .send({ username: 'root', password: ROOT_PASSWORD, token: TEST_SETUP_TOKEN, _csrf: csrfFrom(page.text) })
      .expect(303);
    admin = { agent, csrf: csrfFrom((await agent.get('/account/2fa').expect(200)).text) };
  });
  afterEach(async () => {
    await t.close();
    rmDataDir(t.dataDir);
  });

  it('an admin without 2FA reaches only /account/2fa and logout until enrolled', async () => {
    for (const url of ['/', '/jobs', '/admin', '/account', '/account/password', '/admin/users.json']) {
      const res = await admin.agent.get(url);
      expect([url, res.status, res.headers.location]).toEqual([url, 303, '/account/2fa']);
    }
    const form = await admin.agent.post('/admin/invites').type('form').send({ _csrf: admin.csrf });
    expect([form.status, form.headers.location]).toEqual([303, '/account/2fa']);
    const api = await admin.agent.get('/api/job/00000000-0000-4000-8000-000000000000');
    expect(api.status).toBe(403);
    expect(api.body).toEqual({ error: expect.stringContaining('/account/2fa') });

    await enrolTwoFactor(t, admin.agent);
    await admin.agent.get('/admin').expect(200);
    await admin.agent.get('/').expect(200);
  });

  it('logout still works for a confined admin; plain users are not affected', async () => {
    const bob = await register(t, 'bob', BOB_PASSWORD, await mintInvite(t));
    await bob.agent.get('/jobs').expect(200);
    const csrf = csrfFrom((await admin.agent.get('/account/2fa').expect(200)).text);
    expect((await admin.agent.post('/logout').type('form').send({ _csrf: csrf }).expect(303)).headers.location).toBe(
      '/',
    );
    expect((await admin.agent.get('/jobs').expect(303)).headers.location).toBe('/login?next=%2Fjobs');
  });
});
