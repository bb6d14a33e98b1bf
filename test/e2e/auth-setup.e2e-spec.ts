import request from 'supertest';
import { createTestApp, csrfFrom, rmDataDir, TEST_SETUP_TOKEN, TestApp } from '../helpers/test-app';
import { rawAudit } from '../helpers/raw-store';

describe('first admin via /admin/setup (e2e)', () => {
  let t: TestApp;

  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(async () => {
    await t.close();
    rmDataDir(t.dataDir);
  });

  async function submit(token: string, username = 'boss', password = 'correct horse battery') {
    const agent = request.agent(t.http);
    const page = await agent.get(`/admin/setup?token=${encodeURIComponent(token)}`).expect(200);
    const res = await agent
      .post('/admin/setup')
      .type('form')
      .send({ username, password, token, _csrf: csrfFrom(page.text) });
    return { agent, res };
  }

  it('shows the form with the token while no admin exists', async () => {
    const res = await request(t.http).get(`/admin/setup?token=${TEST_SETUP_TOKEN}`).expect(200);
    expect(res.text).toContain(`value="${TEST_SETUP_TOKEN}"`);
    expect(res.text).toContain('name="password"');
  });

  it('refuses a wrong token (403) and creates nothing', async () => {
    const { res } = await submit('wrong-token-wrong-token');
    expect(res.status).toBe(403);
    expect(res.text).toContain('The setup token is not valid.');
    expect(await t.state.users()).toHaveLength(0);
  });

  it('creates the admin with the right token, logs it in, then the page is gone (404)', async () => {
    const { agent, res } = await submit(TEST_SETUP_TOKEN);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin');
    const [admin] = await t.state.users();
    expect(admin).toMatchObject({ username: 'boss', role: 'admin' });
    const home = await agent.get('/').expect(200);
    expect(home.text).toContain('data-testid="nav-admin"');
    await request(t.http).get(`/admin/setup?token=${TEST_SETUP_TOKEN}`).expect(404);
    const again = await agent
      .post('/admin/setup')
      .type('form')
      .send({
        username: 'boss2',
        password: 'correct horse battery',
        token: TEST_SETUP_TOKEN,
        _csrf: csrfFrom(home.text),
      });
    expect(again.status).toBe(404);
    expect(await t.state.users()).toHaveLength(1);
  });

  it('validates the admin form (400, token kept, password not echoed)', async () => {
    const { res } = await submit(TEST_SETUP_TOKEN, 'x', 'short');
    expect(res.status).toBe(400);
    expect(res.text).toContain(`value="${TEST_SETUP_TOKEN}"`);
    expect(await t.state.users()).toHaveLength(0);
  });

  it('records the setup in the audit log without the token or password', async () => {
    await submit(TEST_SETUP_TOKEN);
    expect((await t.state.audit()).map((e) => e.event)).toContain('admin.setup');
    const raw = await rawAudit(t);
    expect(raw).toContain('admin.setup');
    expect(raw).not.toContain(TEST_SETUP_TOKEN);
    expect(raw).not.toContain('correct horse battery');
  });
});

describe('generated setup token (e2e)', () => {
  it('without ADMIN_SETUP_TOKEN a random token is used: guessing fails', async () => {
    const t = await createTestApp({ env: { ADMIN_SETUP_TOKEN: '' } });
    try {
      const agent = request.agent(t.http);
      const page = await agent.get('/admin/setup').expect(200);
      const res = await agent
        .post('/admin/setup')
        .type('form')
        .send({
          username: 'boss',
          password: 'correct horse battery',
          token: TEST_SETUP_TOKEN,
          _csrf: csrfFrom(page.text),
        });
      expect(res.status).toBe(403);
    } finally {
      await t.close();
      rmDataDir(t.dataDir);
    }
  });
});
