import request from 'supertest';
import { createTestApp, csrfFrom, newAgent, rmDataDir, setupAdmin, TestApp } from '../helpers/test-app';

const PASSWORD = 'correct horse battery';

async function attempt(t: TestApp, username: string, password: string, headers: Record<string, string> = {}) {
  const { agent, csrf } = await newAgent(t);
  let req = agent.post('/login').type('form');
  for (const [k, v] of Object.entries(headers)) req = req.set(k, v);
  return req.send({ username, password, _csrf: csrf });
}

describe('login throttling (e2e)', () => {
  let t: TestApp;

  afterEach(async () => {
    await t.close();
    rmDataDir(t.dataDir);
  });

  it('locks a username after LOGIN_MAX_FAILURES, even for the right password, until the window passes', async () => {
    t = await createTestApp({ env: { LOGIN_MAX_FAILURES: '3', LOGIN_LOCKOUT_MINUTES: '15' } });
    await setupAdmin(t, 'root', PASSWORD);
    for (let i = 0; i < 3; i++) expect((await attempt(t, 'root', 'wrong-password')).status).toBe(401);
    const locked = await attempt(t, 'root', PASSWORD);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(14 * 60);
    expect(locked.text).toMatch(/Try again in 15 minutes/);
    // Case does not dodge the lock.
    expect((await attempt(t, 'ROOT', PASSWORD)).status).toBe(429);
    t.clock.advance(15 * 60_000 + 1000);
    expect((await attempt(t, 'root', PASSWORD)).status).toBe(303);
  });

  it('a success resets the username counter', async () => {
    t = await createTestApp({ env: { LOGIN_MAX_FAILURES: '3' } });
    await setupAdmin(t, 'root', PASSWORD);
    await attempt(t, 'root', 'wrong-password');
    await attempt(t, 'root', 'wrong-password');
    expect((await attempt(t, 'root', PASSWORD)).status).toBe(303);
    await attempt(t, 'root', 'wrong-password');
    await attempt(t, 'root', 'wrong-password');
    expect((await attempt(t, 'root', PASSWORD)).status).toBe(303);
  });

  it('locks an IP after LOGIN_MAX_FAILURES_PER_IP failures across usernames', async () => {
    t = await createTestApp({ env: { LOGIN_MAX_FAILURES: '100', LOGIN_MAX_FAILURES_PER_IP: '4' } });
    await setupAdmin(t, 'root', PASSWORD);
    for (let i = 0; i < 4; i++) expect((await attempt(t, `user${i}`, 'wrong-password')).status).toBe(401);
    const res = await attempt(t, 'root', PASSWORD);
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBeDefined();
  });

  it('ignores X-Forwarded-For without TRUST_PROXY: rotating it does not reset the count', async () => {
    t = await createTestApp({ env: { LOGIN_MAX_FAILURES: '100', LOGIN_MAX_FAILURES_PER_IP: '3' } });
    await setupAdmin(t, 'root', PASSWORD);
    for (let i = 0; i < 3; i++) {
      expect((await attempt(t, `u${i}`, 'wrong-password', { 'X-Forwarded-For': `10.0.0.${i}` })).status).toBe(401);
    }
    expect((await attempt(t, 'root', PASSWORD, { 'X-Forwarded-For': '10.9.9.9' })).status).toBe(429);
  });

  it('with TRUST_PROXY the client IP comes from X-Forwarded-For', async () => {
    t = await createTestApp({
      env: { LOGIN_MAX_FAILURES: '100', LOGIN_MAX_FAILURES_PER_IP: '3', TRUST_PROXY: 'true' },
    });
    await setupAdmin(t, 'root', PASSWORD);
    for (let i = 0; i < 3; i++) await attempt(t, `u${i}`, 'wrong-password', { 'X-Forwarded-For': '203.0.113.5' });
    expect((await attempt(t, 'root', PASSWORD, { 'X-Forwarded-For': '203.0.113.5' })).status).toBe(429);
    expect((await attempt(t, 'root', PASSWORD, { 'X-Forwarded-For': '203.0.113.6' })).status).toBe(303);
  });

  it('the 429 page keeps the login form and says when to retry', async () => {
    t = await createTestApp({ env: { LOGIN_MAX_FAILURES: '1', LOGIN_LOCKOUT_MINUTES: '2' } });
    await setupAdmin(t, 'root', PASSWORD);
    await attempt(t, 'root', 'wrong-password');
    const res = await attempt(t, 'root', 'wrong-password');
    expect(res.status).toBe(429);
    expect(res.text).toContain('name="username"');
    expect(res.text).toContain('Try again in 2 minutes');
    expect(csrfFrom(res.text)).toBeTruthy();
    await request(t.http).get('/healthz').expect(200);
  });
});
