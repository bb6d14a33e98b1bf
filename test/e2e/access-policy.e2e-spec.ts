import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { listRoutes } from '../helpers/routes';
import { createTestApp, loginAs, mintInvite, register, rmDataDir, setupAdmin, TestApp } from '../helpers/test-app';

/**
 * Who may call what, pinned. A change to any route's access shows up here as a diff to review
 * (method, path, access: public | user | admin; "admin|user" routes decide inside the handler, SPEC §6.2).
 */
const PINNED = `
GET   /                                       public
GET   /account                                user
GET   /account/2fa                            user
POST  /account/2fa/disable                    user
POST  /account/2fa/enable                     user
POST  /account/2fa/setup                      user
GET   /account/password                       user
POST  /account/password                       user
POST  /account/tokens                         user
POST  /account/tokens/:id/revoke              user
GET   /admin                                  admin|user
POST  /admin/bootstrap                        admin|user
POST  /admin/invites                          admin
POST  /admin/invites/:code/revoke             admin
GET   /admin/jobs                             admin
GET   /admin/jobs/:jobId                      admin
POST  /admin/jobs/:jobId/qc                   admin
GET   /admin/setup                            public
POST  /admin/setup                            public
GET   /admin/usage                            admin
GET   /admin/users.json                       admin
POST  /admin/users/:username/2fa/reset        admin
POST  /admin/users/:username/delete           admin
POST  /admin/users/:username/disable          admin
POST  /admin/users/:username/enable           admin
POST  /admin/users/:username/quota            admin
POST  /admin/users/:username/reset            admin
POST  /admin/users/:username/role             admin
POST  /admin/users/:username/sessions/revoke  admin
GET   /api/job/:jobId                         user
GET   /api/job/:jobId/manifest                user
GET   /api/jobs                               user
POST  /api/jobs                               user
GET   /api/openapi.json                       public
GET   /download/:jobId.zip                    user
POST  /generate                               user
GET   /healthz                                public
GET   /jobs                                   user
GET   /login                                  public
POST  /login                                  public
GET   /login/2fa                              public
POST  /login/2fa                              public
GET   /logout                                 public
POST  /logout                                 public
GET   /register                               public
POST  /register                               public
GET   /reset-password                         public
POST  /reset-password                         public
GET   /result/:jobId                          user
POST  /result/:jobId/delete                   user
GET   /result/:jobId/drafts/:n                user
GET   /result/:jobId/drafts/:n.md             user
`;

const pinned = PINNED.trim()
  .split('\n')
  .map((line) => {
    const [method, path, access] = line.trim().split(/\s+/);
    return { method, path, access };
  });

/** A concrete URL for a route pattern. */
function concrete(path: string): string {
  return path.replace(':jobId', randomUUID()).replace(':username', 'someone').replace(':code', 'some-code');
}

describe('access policy (e2e)', () => {
  let t: TestApp;
  let userAgent: Awaited<ReturnType<typeof register>>;

  beforeAll(async () => {
    t = await createTestApp();
    await setupAdmin(t, 'root', 'correct horse battery');
    userAgent = await register(t, 'plainuser', 'a perfectly fine passphrase', await mintInvite(t));
  });
  afterAll(async () => {
    await t.close();
    rmDataDir(t.dataDir);
  });

  it('matches the pinned list of routes and their access (default deny)', () => {
    expect(listRoutes(t.app)).toEqual(pinned);
  });

  it('only the SPEC §4 public routes are public', () => {
    const publicRoutes = pinned.filter((r) => r.access === 'public').map((r) => `${r.method} ${r.path}`);
    expect(publicRoutes.sort()).toEqual(
      [
        'GET /',
        'GET /login',
        'POST /login',
        'GET /logout',
        'POST /logout',
        'GET /register',
        'POST /register',
        'GET /admin/setup',
        'POST /admin/setup',
        'GET /reset-password',
        'POST /reset-password',
        'GET /healthz',
        'GET /api/openapi.json',
        // The second step of a login: the session is not logged in yet; without a half-done login
        // (a right password in the last 5 minutes) both answer 303 to /login (SPEC §5.1).
        'GET /login/2fa',
        'POST /login/2fa',
      ].sort(),
    );
  });

  const closed = pinned.filter((r) => r.access !== 'public');

  it.each(closed.filter((r) => !r.path.startsWith('/api/')).map((r) => [r.method, r.path]))(
    'anonymous %s %s is sent to /login?next=<path>',
    async (method, path) => {
      const url = concrete(path);
      const res = await (method === 'GET' ? request(t.http).get(url) : request(t.http).post(url).type('form').send({}));
      expect([302, 303]).toContain(res.status);
      expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(url)}`);
    },
  );

  it.each(closed.filter((r) => r.path.startsWith('/api/')).map((r) => [r.method, r.path]))(
    'anonymous %s %s gets 401 JSON',
    async (_method, path) => {
      const res = await request(t.http).get(concrete(path)).expect(401);
      expect(res.headers['content-type']).toMatch(/json/);
      expect(res.body).toEqual({ error: expect.any(String) });
    },
  );

  it.each(closed.filter((r) => r.access === 'admin').map((r) => [r.method, r.path]))(
    'a plain user on %s %s gets the 403 page',
    async (method, path) => {
      const url = concrete(path);
      const res =
        method === 'GET'
          ? await userAgent.agent.get(url)
          : await userAgent.agent.post(url).type('form').send({ _csrf: userAgent.csrf });
      expect(res.status).toBe(403);
      expect(res.headers['content-type']).toMatch(/html/);
    },
  );

  it('a plain user gets 403 on GET /admin while no bootstrap applies', async () => {
    await userAgent.agent.get('/admin').expect(403);
  });

  it.each(pinned.filter((r) => r.method === 'POST' && r.access !== 'public').map((r) => [r.path]))(
    'a logged-in admin POST %s with a bad CSRF token is refused (403)',
    async (path) => {
      const { agent } = await loginAs(t, 'root', 'correct horse battery');
      await agent.post(concrete(path)).type('form').send({ _csrf: 'forged-token' }).expect(403);
    },
  );
});
