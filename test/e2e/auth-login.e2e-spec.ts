import request from 'supertest';
import { sessionCount } from '../helpers/sessions';
import {
  createTestApp,
  csrfFrom,
  loginAs,
  loginCookie,
  mintInvite,
  newAgent,
  register,
  rmDataDir,
  sessionCookie,
  setupAdmin,
  TestApp,
} from '../helpers/test-app';
import { rawAudit } from '../helpers/raw-store';

const ADMIN_PASSWORD = 'correct horse battery';

describe('login, logout and sessions (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
    await setupAdmin(t, 'root', ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await t.close();
    rmDataDir(t.dataDir);
  });

  it('GET /login renders the form and keeps a local ?next=', async () => {
    const res = await request(t.http).get('/login?next=%2Fjobs%3Fa%3D1').expect(200);
    expect(res.text).toContain('name="username"');
    expect(res.text).toContain('name="next" value="/jobs?a&#x3D;1"');
    expect(res.text).toContain('autocomplete="current-password"');
  });

  it('logs in, regenerates the session id and follows a local next', async () => {
    const { agent, csrf } = await newAgent(t);
    const before = await agent.get('/login');
    const res = await agent
      .post('/login')
      .type('form')
      .send({ username: 'root', password: ADMIN_PASSWORD, next: '/account/password', _csrf: csrf })
      .expect(303);
    expect(res.headers.location).toBe('/account/password');
    const issued = sessionCookie(res);
    expect(issued).toBeDefined();
    const beforeId = sessionCookie(before) ?? '';
    expect(issued!.split(';')[0]).not.toBe(beforeId.split(';')[0]);
    await agent.get('/account/password').expect(200);
  });

  it('usernames match case-insensitively at login', async () => {
    const { agent } = await loginAs(t, 'ROOT', ADMIN_PASSWORD);
    const page = await agent.get('/').expect(200);
    expect(page.text).toContain('data-testid="nav-admin"');
  });

  it('sets the session cookie HttpOnly, SameSite=Lax, Path=/ and not Secure over plain HTTP (auto)', async () => {
    const { csrf, agent } = await newAgent(t);
    const res = await agent
      .post('/login')
      .type('form')
      .send({ username: 'root', password: ADMIN_PASSWORD, _csrf: csrf });
    const cookie = sessionCookie(res)!;
    expect(cookie).toMatch(/^gatehouse\.sid=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/i);
  });

  it('sends Cache-Control: no-store on authenticated pages', async () => {
    const { agent } = await loginAs(t, 'root', ADMIN_PASSWORD);
    const res = await agent.get('/account/password').expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it.each([
    ['unknown user', 'nobody', 'whatever-password'],
    ['wrong password', 'root', 'wrong-password!'],
  ])(
    'a failed login (%s) answers 401 with the one generic message, keeping the username only',
    async (_case, username, password) => {
      const { agent, csrf } = await newAgent(t);
      const res = await agent.post('/login').type('form').send({ username, password, _csrf: csrf }).expect(401);
      expect(res.text).toContain('Invalid username or password.');
      expect(res.text).toContain(`value="${username}"`);
      expect(res.text).not.toContain(password);
    },
  );

  it.each([
    '//evil.example',
    'https://evil.example',
    '/\\evil.example',
    'javascript:alert(1)',
    '/%0d%0aSet-Cookie:x',
    ' /x',
  ])('never follows next=%s off-site', async (next) => {
    const { agent, csrf } = await newAgent(t);
    const res = await agent
      .post('/login')
      .type('form')
      .send({ username: 'root', password: ADMIN_PASSWORD, next, _csrf: csrf })
      .expect(303);
    expect(['/', next]).toContain(res.headers.location);
    expect(res.headers.location.startsWith('//')).toBe(false);
    expect(res.headers.location).not.toMatch(/^[a-z]+:/i);
    expect(res.headers.location).not.toContain('\\');
  });

  it('POST /logout destroys the session: the old cookie no longer works', async () => {
    const cookie = await loginCookie(t, 'root', ADMIN_PASSWORD);
    const page = await request(t.http).get('/account/password').set('Cookie', cookie).expect(200);
    const sessionsBefore = await sessionCount(t);
    const res = await request(t.http)
      .post('/logout')
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(303);
    expect(res.headers.location).toBe('/');
    // Replaying the pre-logout cookie does not resurrect the session.
    await request(t.http).get('/account/password').set('Cookie', cookie).expect(303);
    expect(await sessionCount(t)).toBeLessThan(sessionsBefore);
  });

  it('GET /logout (kept from the prototype) also logs out', async () => {
    const { agent } = await loginAs(t, 'root', ADMIN_PASSWORD);
    await agent.get('/logout').expect(303).expect('Location', '/');
    await agent.get('/account/password').expect(303);
  });

  it('sessions survive a restart (file-backed store)', async () => {
    const cookie = await loginCookie(t, 'root', ADMIN_PASSWORD);
    const second = await createTestApp({ dataDir: t.dataDir });
    try {
      await request(second.http).get('/account/password').set('Cookie', cookie).expect(200);
    } finally {
      await second.close();
    }
  });

  it('writes login success and failure to the audit log without the password', async () => {
    const lines = await t.state.audit();
    expect(lines.some((e) => e.event === 'login.success' && e.actor === 'root')).toBe(true);
    expect(lines.some((e) => e.event === 'login.failure' && e.actor === 'nobody')).toBe(true);
    // The stored log itself (audit.jsonl, or the audit_log rows) must never hold the password.
    const raw = await rawAudit(t);
    expect(raw).not.toContain(ADMIN_PASSWORD);
    expect(raw).not.toContain('wrong-password!');
  });
});

describe('session timeouts (e2e)', () => {
  it('an idle session ends after SESSION_IDLE_MINUTES without use', async () => {
    const t = await createTestApp({ env: { SESSION_IDLE_MINUTES: '10' } });
    try {
      await setupAdmin(t, 'root', ADMIN_PASSWORD);
      const { agent } = await loginAs(t, 'root', ADMIN_PASSWORD);
      t.clock.advance(9 * 60_000);
      await agent.get('/account/password').expect(200); // still alive, and this use resets the idle clock
      t.clock.advance(9 * 60_000);
      await agent.get('/account/password').expect(200);
      t.clock.advance(11 * 60_000);
      const res = await agent.get('/account/password').expect(303);
      expect(res.headers.location).toBe('/login?next=%2Faccount%2Fpassword');
    } finally {
      await t.close();
      rmDataDir(t.dataDir);
    }
  });

  it('a session ends SESSION_ABSOLUTE_HOURS after login however active it is', async () => {
    const t = await createTestApp({ env: { SESSION_ABSOLUTE_HOURS: '1' } });
    try {
      await setupAdmin(t, 'root', ADMIN_PASSWORD);
      const { agent } = await loginAs(t, 'root', ADMIN_PASSWORD);
      for (let i = 0; i < 5; i++) {
        t.clock.advance(10 * 60_000);
        await agent.get('/account/password').expect(200);
      }
      t.clock.advance(11 * 60_000);
      await agent.get('/account/password').expect(303);
    } finally {
      await t.close();
      rmDataDir(t.dataDir);
    }
  });
});

describe("passwords at bcrypt's 72-byte limit (e2e)", () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
    rmDataDir(t.dataDir);
  });

  async function loginStatus(username: string, password: string): Promise<number> {
    const { agent, csrf } = await newAgent(t);
    const res = await agent.post('/login').type('form').send({ username, password, _csrf: csrf });
    return res.status;
  }

  it.each([
    ['ascii', 'a'.repeat(36) + 'b'.repeat(36)],
    ['multi-byte', '€'.repeat(24)],
  ])(
    'a registered 72-byte (%s) password logs in; with anything appended it does not (SPEC §5)',
    async (_, password) => {
      expect(Buffer.byteLength(password, 'utf8')).toBe(72);
      const username = `limit-${password.length}`;
      const { res } = await register(t, username, password, await mintInvite(t));
      expect(res.status).toBe(303);

      expect(await loginStatus(username, `${password}x`)).toBe(401); // bcrypt alone would ignore the 73rd byte
      expect(await loginStatus(username, `${password}${'x'.repeat(100)}`)).toBe(401);
      expect(await loginStatus(username, password)).toBe(303);
    },
  );
});
