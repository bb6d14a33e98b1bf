import request from 'supertest';
import {
  createTestApp,
  csrfFrom,
  loginAs,
  mintInvite,
  newAgent,
  rmDataDir,
  setupAdmin,
  TestApp,
} from '../helpers/test-app';

const PASSWORD = 'a perfectly fine passphrase';

describe('CSRF and cross-site refusals (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
    await setupAdmin(t, 'root', 'correct horse battery');
  });
  afterAll(async () => {
    await t.close();
    rmDataDir(t.dataDir);
  });

  it('refuses a login with no _csrf (403)', async () => {
    const { agent } = await newAgent(t);
    const res = await agent.post('/login').type('form').send({ username: 'root', password: 'correct horse battery' });
    expect(res.status).toBe(403);
    expect(
      (res.headers['set-cookie'] as unknown as string[] | undefined)?.some(
        (c: string) => c.startsWith('gatehouse.sid=') && !c.includes('Expires=Thu, 01 Jan 1970'),
      ),
    ).not.toBe(true);
  });

  it('refuses a login with a wrong _csrf (403)', async () => {
    const { agent } = await newAgent(t);
    await agent
      .post('/login')
      .type('form')
      .send({ username: 'root', password: 'correct horse battery', _csrf: 'forged' })
      .expect(403);
  });

  it('refuses a token from another session', async () => {
    const { csrf: otherToken } = await newAgent(t);
    const { agent } = await newAgent(t);
    await agent
      .post('/login')
      .type('form')
      .send({ username: 'root', password: 'correct horse battery', _csrf: otherToken })
      .expect(403);
  });

  it('refuses a registration without CSRF and creates nothing, invite untouched', async () => {
    const code = await mintInvite(t);
    const agent = request.agent(t.http);
    await agent.get('/register');
    const before = (await t.state.users()).length;
    await agent
      .post('/register')
      .type('form')
      .send({ username: 'sneaky', password: PASSWORD, inviteCode: code })
      .expect(403);
    expect(await t.state.users()).toHaveLength(before);
    expect((await t.state.invite(code))!.uses).toBe(0);
  });

  it('refuses a password change with a bad token and the password stays', async () => {
    const { agent } = await loginAs(t, 'root', 'correct horse battery');
    const hashBefore = await t.state.passwordHash('root');
    await agent
      .post('/account/password')
      .type('form')
      .send({ currentPassword: 'correct horse battery', newPassword: 'another fine passphrase', _csrf: 'nope' })
      .expect(403);
    expect(await t.state.passwordHash('root')).toBe(hashBefore);
  });

  it('accepts the token in the x-csrf-token header (JSON clients)', async () => {
    const { agent, csrf } = await newAgent(t);
    const res = await agent
      .post('/login')
      .set('x-csrf-token', csrf)
      .send({ username: 'root', password: 'correct horse battery' });
    expect(res.status).toBe(303);
  });

  it('refuses a state-changing request whose Origin is another site, even with a valid token', async () => {
    const { agent, csrf } = await newAgent(t);
    const res = await agent
      .post('/login')
      .set('Origin', 'https://evil.example')
      .type('form')
      .send({ username: 'root', password: 'correct horse battery', _csrf: csrf });
    expect(res.status).toBe(403);
    expect(res.text).toContain('Cross-site');
  });

  it('refuses Sec-Fetch-Site: cross-site, and accepts same-origin', async () => {
    const { agent, csrf } = await newAgent(t);
    await agent
      .post('/login')
      .set('Sec-Fetch-Site', 'cross-site')
      .type('form')
      .send({ username: 'root', password: 'correct horse battery', _csrf: csrf })
      .expect(403);
    await agent
      .post('/login')
      .set('Sec-Fetch-Site', 'same-origin')
      .type('form')
      .send({ username: 'root', password: 'correct horse battery', _csrf: csrf })
      .expect(303);
  });

  it('a logged-in GET renders a token that the next POST accepts (no GET changes state)', async () => {
    const { agent } = await loginAs(t, 'root', 'correct horse battery');
    const page = await agent.get('/account/password').expect(200);
    const token = csrfFrom(page.text);
    await agent.post('/logout').type('form').send({ _csrf: token }).expect(303);
  });
});
