import request from 'supertest';
import { createTestApp, csrfFrom, loginAs, loginCookie, rmDataDir, setupAdmin, TestApp } from '../helpers/test-app';

const OLD = 'correct horse battery';
const NEW = 'a brand new passphrase';

describe('change own password, and live-session cut-offs (e2e)', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await createTestApp();
    await setupAdmin(t, 'root', OLD);
  });
  afterEach(async () => {
    await t.close();
    rmDataDir(t.dataDir);
  });

  it('anonymous visitors are sent to log in', async () => {
    const res = await request(t.http).get('/account/password').expect(303);
    expect(res.headers.location).toBe('/login?next=%2Faccount%2Fpassword');
  });

  it('changes the password, keeps this session and ends the others', async () => {
    const other = await loginCookie(t, 'root', OLD);
    const { agent } = await loginAs(t, 'root', OLD);
    const page = await agent.get('/account/password').expect(200);
    const res = await agent
      .post('/account/password')
      .type('form')
      .send({ currentPassword: OLD, newPassword: NEW, _csrf: csrfFrom(page.text) })
      .expect(303);
    expect(res.headers.location).toBe('/account/password?changed=1');
    const after = await agent.get('/account/password?changed=1').expect(200);
    expect(after.text).toContain('Password changed');
    await request(t.http).get('/account/password').set('Cookie', other).expect(303);
    await loginAs(t, 'root', NEW);
  });

  it('refuses a wrong current password (400) and changes nothing', async () => {
    const { agent } = await loginAs(t, 'root', OLD);
    const page = await agent.get('/account/password');
    const hash = await t.state.passwordHash('root');
    const res = await agent
      .post('/account/password')
      .type('form')
      .send({ currentPassword: 'not-my-password', newPassword: NEW, _csrf: csrfFrom(page.text) })
      .expect(400);
    expect(res.text).toContain('Your current password is not correct.');
    expect(res.text).not.toContain(NEW);
    expect(await t.state.passwordHash('root')).toBe(hash);
  });

  it('refuses a weak new password (400)', async () => {
    const { agent } = await loginAs(t, 'root', OLD);
    const page = await agent.get('/account/password');
    await agent
      .post('/account/password')
      .type('form')
      .send({ currentPassword: OLD, newPassword: 'qwerty123', _csrf: csrfFrom(page.text) })
      .expect(400);
  });

  it('a disabled user loses a live session on the next request', async () => {
    const { UsersService } = await import('../../src/users/users.service');
    const users = t.app.get(UsersService);
    const { InvitesService } = await import('../../src/invites/invites.service');
    const invite = await t.app.get(InvitesService).mint({ createdBy: 'root' });
    const { register } = await import('../helpers/test-app');
    const { agent } = await register(t, 'member', 'a perfectly fine passphrase', invite.code);
    await agent.get('/account/password').expect(200);
    await users.setDisabled('member', true);
    await agent.get('/account/password').expect(303);
    const { newAgent } = await import('../helpers/test-app');
    const { agent: again, csrf } = await newAgent(t);
    const res = await again
      .post('/login')
      .type('form')
      .send({ username: 'member', password: 'a perfectly fine passphrase', _csrf: csrf });
    expect(res.status).toBe(401);
  });

  it('a deleted user loses a live session on the next request', async () => {
    const { UsersService } = await import('../../src/users/users.service');
    const { InvitesService } = await import('../../src/invites/invites.service');
    const invite = await t.app.get(InvitesService).mint({ createdBy: 'root' });
    const { register } = await import('../helpers/test-app');
    const { agent } = await register(t, 'member', 'a perfectly fine passphrase', invite.code);
    await t.app.get(UsersService).delete('member');
    await agent.get('/account/password').expect(303);
  });
});

describe('wrong current passwords count towards the login lockout (e2e)', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await createTestApp({ env: { LOGIN_MAX_FAILURES: '3', LOGIN_LOCKOUT_MINUTES: '15' } });
    await setupAdmin(t, 'root', OLD);
  });
  afterEach(async () => {
    await t.close();
    rmDataDir(t.dataDir);
  });

  async function change(agent: ReturnType<typeof request.agent>, currentPassword: string) {
    const page = await agent.get('/account/password').expect(200);
    return agent
      .post('/account/password')
      .type('form')
      .send({ currentPassword, newPassword: NEW, _csrf: csrfFrom(page.text) });
  }

  it('after LOGIN_MAX_FAILURES wrong ones: 429 with Retry-After and the form, even for the right one; logins too', async () => {
    const { agent } = await loginAs(t, 'root', OLD);
    const hash = await t.state.passwordHash('root');
    for (let i = 0; i < 3; i++) expect((await change(agent, `wrong guess ${i}`)).status).toBe(400);
    const locked = await change(agent, OLD);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(14 * 60);
    expect(locked.text).toContain('Try again in 15 minutes');
    expect(locked.text).toContain('name="currentPassword"');
    expect(await t.state.passwordHash('root')).toBe(hash);
    // It is the user's login lockout: the login form is locked too.
    const login = await request.agent(t.http).get('/login');
    const res = await request
      .agent(t.http)
      .post('/login')
      .set('Cookie', login.headers['set-cookie'] ?? [])
      .type('form')
      .send({ username: 'root', password: OLD, _csrf: csrfFrom(login.text) });
    expect(res.status).toBe(429);
    t.clock.advance(15 * 60_000 + 1000);
    expect((await change(agent, OLD)).status).toBe(303);
  });

  it('a right current password clears the count', async () => {
    const { agent } = await loginAs(t, 'root', OLD);
    await change(agent, 'wrong guess 1');
    await change(agent, 'wrong guess 2');
    expect((await change(agent, OLD)).status).toBe(303);
    await change(agent, 'wrong guess 3');
    await change(agent, 'wrong guess 4');
    expect((await change(agent, NEW)).status).toBe(303);
  });
});
