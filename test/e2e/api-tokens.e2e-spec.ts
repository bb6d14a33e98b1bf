import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';
import type { ApiToken } from '../../src/api-tokens/api-token.model';
import { ApiTokensRepository } from '../../src/api-tokens/api-tokens.repository';
import { API_TOKENS_FILE } from '../../src/api-tokens/persistence/json/json-api-tokens.repository';
import { CaptureLogger } from '../helpers/capture-logger';
import { rawAudit, rawStore, storedText, writeMark } from '../helpers/raw-store';
import { itFilesOnly } from '../helpers/store-mode';
import { binaryParser, makeUser, USER_PASSWORD, unzip } from '../helpers/generation-helpers';
import { listRoutes } from '../helpers/routes';
import { Agent, createTestApp, csrfFrom, loginAs, rmDataDir, setupAdmin, TestApp } from '../helpers/test-app';

type Who = { agent: Agent; csrf: string };

const ROOT_PASSWORD = 'correct horse battery';
const TOKEN_SHAPE = /^gat_[0-9A-Za-z]{32}$/;
const DAY = 24 * 3600_000;

/** Creates a token through the /account form (session + CSRF); answers the secret shown once. */
async function createToken(who: Who, fields: Record<string, string> = {}): Promise<string> {
  const page = await who.agent.get('/account').expect(200);
  const res = await who.agent
    .post('/account/tokens')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), name: 'ci', ...fields })
    .expect(200);
  const match = /data-testid="token-secret">([^<]+)</.exec(res.text);
  if (!match) throw new Error('no token on the page');
  return match[1];
}

/** A cookie-less client (a script): every call carries only the bearer token. */
function api(t: TestApp, secret: string) {
  const auth = (r: request.Test) => r.set('Authorization', `Bearer ${secret}`);
  return {
    get: (url: string) => auth(request(t.http).get(url)),
    post: (url: string, body?: object) => auth(request(t.http).post(url)).send(body ?? {}),
  };
}

async function waitForJobWith(t: TestApp, secret: string, id: string): Promise<any> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await api(t, secret).get(`/api/job/${id}`).expect(200);
    if (res.body.status === 'succeeded' || res.body.status === 'failed') return res.body;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${res.body.status}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('personal API tokens (e2e)', () => {
  let t: TestApp;
  let logger: CaptureLogger;
  let root: Who;
  let bob: Who;

  const tokensOf = async (username: string): Promise<ApiToken[]> => {
    const user = await t.state.user(username);
    return t.app.get(ApiTokensRepository).listForUser(user!.id);
  };

  beforeEach(async () => {
    logger = new CaptureLogger();
    t = await createTestApp({
      logger,
      env: { LOGIN_MAX_FAILURES_PER_IP: '4', API_TOKEN_MAX_DAYS: '120', GENERATION_DAILY_DRAFTS: '4' },
    });
    root = await setupAdmin(t, 'root', ROOT_PASSWORD);
    bob = await makeUser(t, 'bob');
  });
  afterEach(async () => {
    await t.close();
    rmDataDir(t.dataDir);
  });

  describe('/account: create, list, revoke (browser-free UI check)', () => {
    it('shows an empty list and a create form with its CSRF token', async () => {
      const page = await bob.agent.get('/account').expect(200);
      expect(page.text).toContain('data-testid="tokens-empty"');
      const form = /<form method="post" action="\/account\/tokens"[\s\S]*?<\/form>/.exec(page.text)?.[0] ?? '';
      expect(form).toMatch(/name="_csrf" value="[^"]+"/);
      expect(form).toContain('name="name"');
      expect(form).toContain('name="expiresInDays"');
      expect(form).toContain('value="90"');
    });

    it('refuses a create without the CSRF token (403) and creates nothing', async () => {
      await bob.agent.post('/account/tokens').type('form').send({ name: 'ci' }).expect(403);
      expect(await tokensOf('bob')).toEqual([]);
    });

    it('shows the token once (gat_ + 32 base62 = 190 bits), no-store; then lists it by name, never the secret', async () => {
      const page = await bob.agent.get('/account').expect(200);
      const res = await bob.agent
        .post('/account/tokens')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), name: 'deploy bot' })
        .expect(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const secret = /data-testid="token-secret">([^<]+)</.exec(res.text)![1];
      expect(secret).toMatch(TOKEN_SHAPE);
      expect(32 * Math.log2(62)).toBeGreaterThanOrEqual(160);

      const account = await bob.agent.get('/account').expect(200);
      expect(account.text).not.toContain(secret);
      expect(account.text).toMatch(/data-testid="token-name">deploy bot</);
      expect(account.text).toMatch(/data-testid="token-last-used">never</);
      const [stored] = await tokensOf('bob');
      expect(stored).toMatchObject({ name: 'deploy bot', lastUsedAt: null });
      expect(stored.tokenSha256).toBe(createHash('sha256').update(secret).digest('hex'));
      // Default lifetime: 90 days.
      expect(new Date(stored.expiresAt).getTime() - new Date(stored.createdAt).getTime()).toBe(90 * DAY);
    });

    it('tokens are random: 20 tokens, 20 distinct values, every base62 character class used', async () => {
      const secrets = new Set<string>();
      for (let i = 0; i < 20; i++) secrets.add(await createToken(bob, { name: `t${i}` }));
      expect(secrets.size).toBe(20);
      const body = [...secrets].map((s) => s.slice(4)).join('');
      expect(body).toMatch(/[0-9]/);
      expect(body).toMatch(/[A-Z]/);
      expect(body).toMatch(/[a-z]/);
      expect(new Set(body).size).toBeGreaterThan(50);
    });

    it('validates name (1–64) and expiresInDays (1–API_TOKEN_MAX_DAYS), re-rendering the form with 400', async () => {
      const page = await bob.agent.get('/account').expect(200);
      const csrf = csrfFrom(page.text);
      const post = (fields: Record<string, string>) =>
        bob.agent
          .post('/account/tokens')
          .type('form')
          .send({ _csrf: csrf, ...fields });
      const blank = await post({ name: '   ' }).expect(400);
      expect(blank.text).toContain('id="name-error"');
      expect((await post({ name: 'x'.repeat(65) }).expect(400)).text).toContain('id="name-error"');
      for (const days of ['0', '121', 'abc', '1.5']) {
        const res = await post({ name: 'kept', expiresInDays: days }).expect(400);
        expect(res.text).toContain('id="expiresInDays-error"');
        expect(res.text).toContain('value="kept"');
      }
      expect(await tokensOf('bob')).toEqual([]);
      await post({ name: 'x'.repeat(64), expiresInDays: '120' }).expect(200);
    });

    it('revokes with CSRF (303 back to /account), audits create and revoke by id and name, never the token', async () => {
      const secret = await createToken(bob, { name: 'laptop' });
      const [token] = await tokensOf('bob');
      const page = await bob.agent.get('/account').expect(200);
      await bob.agent.post(`/account/tokens/${token.id}/revoke`).type('form').send({}).expect(403);
      const res = await bob.agent
        .post(`/account/tokens/${token.id}/revoke`)
        .type('form')
        .send({ _csrf: csrfFrom(page.text) })
        .expect(303);
      expect(res.headers.location).toBe('/account?revoked=1#api-tokens');
      expect((await bob.agent.get('/account?revoked=1').expect(200)).text).toContain('data-testid="token-revoked"');
      expect(await tokensOf('bob')).toEqual([]);
      await api(t, secret).get('/api/jobs').expect(401);

      const audit = await t.state.audit();
      expect(audit.find((e) => e.event === 'token.create')).toMatchObject({
        actor: 'bob',
        id: token.id,
        name: 'laptop',
      });
      expect(audit.find((e) => e.event === 'token.revoke')).toMatchObject({
        actor: 'bob',
        id: token.id,
        name: 'laptop',
      });
      expect(JSON.stringify(audit)).not.toContain(secret);
    });

    it("cannot revoke someone else's token (404, and it keeps working)", async () => {
      const secret = await createToken(root);
      const [token] = await tokensOf('root');
      const page = await bob.agent.get('/account').expect(200);
      await bob.agent
        .post(`/account/tokens/${token.id}/revoke`)
        .type('form')
        .send({ _csrf: csrfFrom(page.text) })
        .expect(404);
      await api(t, secret).get('/api/jobs').expect(200);
    });

    it("the admin panel shows each user's token count", async () => {
      await createToken(bob, { name: 'a' });
      await createToken(bob, { name: 'b' });
      const panel = await root.agent.get('/admin').expect(200);
      const row = (name: string) =>
        new RegExp(`data-username="${name}">[\\s\\S]*?data-testid="user-api-tokens">(\\d+)<`).exec(panel.text)?.[1];
      expect(row('bob')).toBe('2');
      expect(row('root')).toBe('0');
    });
  });

  describe('hash-only storage', () => {
    it('the raw token appears nowhere in the store, the logs or the audit log; only its SHA-256 is kept', async () => {
      const secret = await createToken(bob);
      await api(t, secret).get('/api/jobs').expect(200);
      await api(t, secret).post('/api/jobs', { prompt: 'Leak check.', count: 1 }).expect(201);
      await api(t, 'gat_' + 'x'.repeat(32))
        .get('/api/jobs')
        .expect(401);
      await api(t, secret).get('/account').expect(401);

      const body = secret.slice(4);
      const stored = await rawStore(t);
      expect(stored).not.toContain(body);
      expect(stored).toContain(createHash('sha256').update(secret).digest('hex'));
      expect(logger.text()).not.toContain(body);
      expect(await rawAudit(t)).toContain('token.create');
      expect(await rawAudit(t)).not.toContain(body);
    });

    itFilesOnly('api-tokens-file-mode')('api-tokens.json is private (0600)', async () => {
      await createToken(bob);
      expect(fs.statSync(path.join(t.dataDir, API_TOKENS_FILE)).mode & 0o777).toBe(0o600);
    });
  });

  describe('bearer authentication', () => {
    it('works on every /api route and the zip download, with no CSRF token and no cookie', async () => {
      const secret = await createToken(bob);
      const client = api(t, secret);
      const created = await client.post('/api/jobs', { prompt: 'Three angles on tea.', count: 2 }).expect(201);
      expect(created.headers['set-cookie']).toBeUndefined();
      const id = created.body.id as string;
      expect((await waitForJobWith(t, secret, id)).status).toBe('succeeded');

      const list = await client.get('/api/jobs').expect(200);
      expect(list.body.jobs.map((j: { id: string }) => j.id)).toEqual([id]);
      await client.get(`/api/job/${id}`).expect(200);
      const manifest = await client.get(`/api/job/${id}/manifest`).expect(200);
      expect(manifest.body).toHaveProperty('files');
      await client.get('/api/openapi.json').expect(200);
      const zip = await client.get(`/download/${id}.zip`).buffer(true).parse(binaryParser).expect(200);
      expect(zip.headers['content-type']).toBe('application/zip');
      expect([...(await unzip(zip.body as Buffer)).keys()]).toContain('manifest.json');

      // Every /api route the app declares was called above (a new one must be added here).
      const declared = listRoutes(t.app)
        .filter((r) => r.path.startsWith('/api/'))
        .map((r) => `${r.method} ${r.path}`);
      expect(declared.sort()).toEqual(
        [
          'GET /api/job/:jobId',
          'GET /api/job/:jobId/manifest',
          'GET /api/jobs',
          'POST /api/jobs',
          'GET /api/openapi.json',
        ].sort(),
      );
    });

    it("acts as its owner: another user's job is 404, and the owner's current role counts (demotion acts at once)", async () => {
      const bobSecret = await createToken(bob);
      const rootSecret = await createToken(root);
      const id = (await api(t, bobSecret).post('/api/jobs', { prompt: 'Mine.', count: 1 }).expect(201)).body.id;
      await api(t, rootSecret).get(`/api/job/${id}`).expect(200); // admin sees every job

      await makeUser(t, 'carol');
      const carol = await loginAs(t, 'carol', USER_PASSWORD);
      const carolSecret = await createToken(carol);
      await api(t, carolSecret).get(`/api/job/${id}`).expect(404);

      // Promote carol, demote root: carol's token now sees bob's job, root's does not.
      await root.agent
        .post('/admin/users/carol/role')
        .type('form')
        .send({ _csrf: root.csrf, role: 'admin' })
        .expect(303);
      await api(t, carolSecret).get(`/api/job/${id}`).expect(200);
      const carolAgent = await loginAs(t, 'carol', USER_PASSWORD);
      await carolAgent.agent
        .post('/admin/users/root/role')
        .type('form')
        .send({ _csrf: carolAgent.csrf, role: 'user' })
        .expect(303);
      await api(t, rootSecret).get(`/api/job/${id}`).expect(404);
    });

    it('is refused on HTML pages and form POSTs (401 JSON), changing nothing', async () => {
      const secret = await createToken(root);
      const client = api(t, secret);
      for (const url of ['/', '/account', '/jobs', '/admin', '/account/password', `/result/${randomUUID()}`]) {
        const res = await client.get(url);
        expect([url, res.status]).toEqual([url, 401]);
        expect(res.headers['content-type']).toMatch(/json/);
        expect(res.body).toEqual({ error: expect.stringContaining('/api/') });
      }
      for (const url of ['/generate', '/account/tokens', '/admin/users/bob/disable', '/logout']) {
        const res = await client.post(url, { prompt: 'x', count: 1, name: 'minted by a token' });
        expect([url, res.status]).toEqual([url, 401]);
      }
      expect(await tokensOf('root')).toHaveLength(1);
      expect((await t.state.user('bob'))!.disabled).toBe(false);
      expect((await api(t, secret).get('/api/jobs').expect(200)).body.jobs).toEqual([]);
    });

    it('a request with both a cookie and a bearer token is refused (400 JSON)', async () => {
      const secret = await createToken(bob);
      const res = await bob.agent.get('/api/jobs').set('Authorization', `Bearer ${secret}`).expect(400);
      expect(res.body).toEqual({ error: expect.stringMatching(/not both/) });
      const write = await bob.agent
        .post('/api/jobs')
        .set('Authorization', `Bearer ${secret}`)
        .set('x-csrf-token', bob.csrf)
        .send({ prompt: 'Both.', count: 1 })
        .expect(400);
      expect(write.headers['content-type']).toMatch(/json/);
      await request(t.http).get('/api/jobs').set('Authorization', `Bearer ${secret}`).set('Cookie', 'x=1').expect(400);
    });

    it('unknown, malformed and empty tokens: 401 JSON with WWW-Authenticate', async () => {
      // Three plus the download below: LOGIN_MAX_FAILURES_PER_IP is 4 here (the fifth would be 429).
      for (const value of ['gat_' + '0'.repeat(32), 'not-a-token', '']) {
        const res = await request(t.http).get('/api/jobs').set('Authorization', `Bearer ${value}`);
        expect(res.status).toBe(401);
        expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
        expect(res.body).toEqual({ error: expect.any(String) });
      }
      // A refused download answers JSON too (a script reads it), never the login redirect.
      const zip = await request(t.http)
        .get(`/download/${randomUUID()}.zip`)
        .set('Authorization', 'Bearer gat_nope')
        .expect(401);
      expect(zip.headers['content-type']).toMatch(/json/);
    });

    it('a revoked token is refused at once; an expired one once its day passes', async () => {
      const shortLived = await createToken(bob, { name: 'one day', expiresInDays: '1' });
      await api(t, shortLived).get('/api/jobs').expect(200);
      t.clock.advance(DAY - 1);
      await api(t, shortLived).get('/api/jobs').expect(200);
      t.clock.advance(1);
      const res = await api(t, shortLived).get('/api/jobs').expect(401);
      expect(res.body.error).toMatch(/expired/);
      // Expired tokens stay listed (marked) until revoked.
      const again = await loginAs(t, 'bob', USER_PASSWORD);
      expect((await again.agent.get('/account').expect(200)).text).toContain('badge-bad">expired');
    });

    it("an admin's disable revokes the user's tokens (re-enabling does not revive them)", async () => {
      const secret = await createToken(bob);
      await root.agent.post('/admin/users/bob/disable').type('form').send({ _csrf: root.csrf }).expect(303);
      await api(t, secret).get('/api/jobs').expect(401);
      expect(await tokensOf('bob')).toEqual([]);
      await root.agent.post('/admin/users/bob/enable').type('form').send({ _csrf: root.csrf }).expect(303);
      await api(t, secret).get('/api/jobs').expect(401);
      const audit = await t.state.audit();
      expect(audit.find((e) => e.event === 'token.revoke')).toMatchObject({
        actor: 'root',
        target: 'bob',
        reason: 'user_disabled',
      });
    });

    it('a disabled owner is refused even if a token survived (re-checked on every request)', async () => {
      const secret = await createToken(bob);
      const bobUser = (await t.state.user('bob'))!;
      const { UsersRepository } = await import('../../src/users/users.repository');
      await t.app.get(UsersRepository).setDisabled(bobUser.username, true); // behind the admin's back
      await api(t, secret).get('/api/jobs').expect(401);
      await t.app.get(UsersRepository).setDisabled(bobUser.username, false);
      await api(t, secret).get('/api/jobs').expect(200);
    });

    it('"sign out everywhere" revokes the tokens too; a password change does not', async () => {
      const secret = await createToken(bob);
      const page = await bob.agent.get('/account/password').expect(200);
      await bob.agent
        .post('/account/password')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), currentPassword: USER_PASSWORD, newPassword: 'another fine passphrase' })
        .expect(303);
      await api(t, secret).get('/api/jobs').expect(200);

      await root.agent.post('/admin/users/bob/sessions/revoke').type('form').send({ _csrf: root.csrf }).expect(303);
      await api(t, secret).get('/api/jobs').expect(401);
      expect(await tokensOf('bob')).toEqual([]);
    });

    it('a deleted owner: 401, and the tokens are gone', async () => {
      const secret = await createToken(bob);
      await root.agent
        .post('/admin/users/bob/delete')
        .type('form')
        .send({ _csrf: root.csrf, confirm: 'yes' })
        .expect(303);
      await api(t, secret).get('/api/jobs').expect(401);
      expect(await storedText(t, API_TOKENS_FILE)).not.toContain(createHash('sha256').update(secret).digest('hex'));
    });
  });

  describe('abuse', () => {
    it("bad tokens count towards the IP's lockout (LOGIN_MAX_FAILURES_PER_IP): 429 JSON with Retry-After, good tokens too", async () => {
      const secret = await createToken(bob);
      await api(t, secret).get('/api/jobs').expect(200); // a good token is refunded: it does not count
      for (let i = 0; i < 4; i++)
        await api(t, `gat_${'1'.repeat(31)}${i}`)
          .get('/api/jobs')
          .expect(401);
      const locked = await api(t, `gat_${'2'.repeat(32)}`)
        .get('/api/jobs')
        .expect(429);
      expect(locked.headers['retry-after']).toMatch(/^\d+$/);
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
      expect(locked.headers['content-type']).toMatch(/json/);
      expect(locked.body).toEqual({ error: expect.any(String) });
      await api(t, secret).get('/api/jobs').expect(429);
      // The same counter as the login form's.
      const login = await request(t.http).get('/login');
      const cookie = (login.headers['set-cookie'] as unknown as string[]).map((c) => c.split(';')[0]).join('; ');
      await request(t.http)
        .post('/login')
        .set('Cookie', cookie)
        .type('form')
        .send({ _csrf: csrfFrom(login.text), username: 'bob', password: USER_PASSWORD })
        .expect(429);
      const throttled = (await t.state.audit()).filter((e) => e.event === 'login.throttled');
      expect(throttled).toEqual([expect.objectContaining({ lock: 'ip', via: 'api_token' })]);

      t.clock.advance(15 * 60_000 + 1000);
      await api(t, secret).get('/api/jobs').expect(200);
    });

    it("jobs created with a token obey the user's daily quota (429 JSON with Retry-After)", async () => {
      const secret = await createToken(bob);
      await api(t, secret).post('/api/jobs', { prompt: 'Three.', count: 3 }).expect(201);
      const over = await api(t, secret).post('/api/jobs', { prompt: 'Two more.', count: 2 }).expect(429);
      expect(over.headers['retry-after']).toMatch(/^\d+$/);
      expect(over.body).toMatchObject({ error: expect.any(String), limit: 4 });
      await api(t, secret).post('/api/jobs', { prompt: 'The last one.', count: 1 }).expect(201);
    });
  });

  describe('last used', () => {
    it('is written at most once a minute per token, not on every request', async () => {
      const secret = await createToken(bob);
      const lastUsed = async () => (await tokensOf('bob'))[0].lastUsedAt;
      const t0 = t.clock.now();
      await api(t, secret).get('/api/jobs').expect(200);
      expect(await lastUsed()).toBe(t0.toISOString());

      const before = await writeMark(t, API_TOKENS_FILE);
      t.clock.advance(30_000);
      for (let i = 0; i < 5; i++) await api(t, secret).get('/api/jobs').expect(200);
      t.clock.advance(29_999);
      await api(t, secret).get('/api/jobs').expect(200);
      expect(await lastUsed()).toBe(t0.toISOString());
      expect(await writeMark(t, API_TOKENS_FILE)).toBe(before); // no write at all within the minute

      t.clock.advance(1);
      await api(t, secret).get('/api/jobs').expect(200);
      expect(await lastUsed()).toBe(new Date(t0.getTime() + 60_000).toISOString());
      expect((await bob.agent.get('/account').expect(200)).text).not.toMatch(/data-testid="token-last-used">never</);
    });
  });
});

describe('personal API tokens with REQUIRE_ADMIN_2FA=true (e2e)', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.close();
    rmDataDir(t.dataDir);
  });

  it("an admin's token without two-factor login gets 403 JSON on /api, like the admin's pages", async () => {
    t = await createTestApp({ env: { REQUIRE_ADMIN_2FA: 'true' } });
    await setupAdmin(t, 'root', ROOT_PASSWORD).catch(() => undefined); // the setup redirects to /account/2fa
    const root = (await t.state.user('root'))!;
    const { ApiTokensService } = await import('../../src/api-tokens/api-tokens.service');
    const { secret } = await t.app.get(ApiTokensService).create(root, { name: 'made before the setting' }, null);
    const res = await api(t, secret).get('/api/jobs').expect(403);
    expect(res.body).toEqual({ error: expect.stringContaining('/account/2fa') });
  });
});
