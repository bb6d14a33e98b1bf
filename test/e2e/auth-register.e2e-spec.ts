import request from 'supertest';
import {
  createTestApp,
  csrfFrom,
  loginAs,
  mintInvite,
  register,
  rmDataDir,
  setupAdmin,
  TestApp,
} from '../helpers/test-app';
import { rawAudit } from '../helpers/raw-store';

const PASSWORD = 'a perfectly fine passphrase';

describe('registration with invites (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { REGISTER_MAX_PER_IP_HOUR: '1000' } });
    await setupAdmin(t);
  });
  afterAll(async () => {
    await t.close();
    rmDataDir(t.dataDir);
  });

  // The files as written: these tests also pin what is stored (only a bcrypt hash) and the
  // prototype-compatible invite keys (`used`, `used_by`).
  // What is stored, in the files' field names, read through the repositories (both stores).
  const users = async (): Promise<Array<Record<string, any>>> =>
    Promise.all(
      (await t.state.users()).map(async (u) => ({
        username: u.username,
        role: u.role,
        invited_by: u.invitedBy,
        password_hash: await t.state.passwordHash(u.username),
      })),
    );
  const invite = async (code: string): Promise<Record<string, any>> => {
    const found = await t.state.invite(code);
    return found ? { uses: found.uses, used: found.uses >= found.maxUses, used_by: found.usedBy } : {};
  };

  it('GET /register?code= pre-fills the code and does not use it up', async () => {
    const code = await mintInvite(t);
    const res = await request(t.http).get(`/register?code=${code}`).expect(200);
    expect(res.text).toContain(`value="${code}"`);
    expect((await invite(code)).uses).toBe(0);
    expect((await invite(code)).used).toBe(false);
  });

  it('registers with a valid invite, logs the new user in, and stores only a bcrypt hash', async () => {
    const code = await mintInvite(t);
    const { agent, res } = await register(t, 'newcomer', PASSWORD, code);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    const home = await agent.get('/').expect(200);
    expect(home.text).toContain('newcomer');
    const record = (await users()).find((u) => u.username === 'newcomer')!;
    expect(record.password_hash).toMatch(/^\$2[aby]\$04\$/);
    expect(JSON.stringify(record)).not.toContain(PASSWORD);
    expect(record.role).toBe('user');
    expect(record.invited_by).toBe('root');
    expect(await invite(code)).toMatchObject({ uses: 1, used: true, used_by: ['newcomer'] });
  });

  it('takes the role from the invite', async () => {
    const code = await mintInvite(t, { role: 'admin' });
    const { res } = await register(t, 'second-admin', PASSWORD, code);
    expect(res.status).toBe(303);
    expect((await users()).find((u) => u.username === 'second-admin')!.role).toBe('admin');
  });

  it.each([
    [
      'used up',
      async () => {
        const code = await mintInvite(t);
        await register(t, `first${Date.now() % 100000}`, PASSWORD, code);
        return code;
      },
    ],
    [
      'revoked',
      async () => {
        const code = await mintInvite(t);
        const { InvitesService } = await import('../../src/invites/invites.service');
        await t.app.get(InvitesService).revoke(code, 'root');
        return code;
      },
    ],
    [
      'expired',
      async () => {
        const code = await mintInvite(t, { expiresInDays: 1 });
        t.clock.advance(25 * 3600_000);
        return code;
      },
    ],
    ['unknown', async () => 'no-such-code-at-all'],
  ])('refuses a %s invite with the one generic message, 400, nothing created', async (_kind, makeCode) => {
    const code = await makeCode();
    const before = (await users()).length;
    const { res } = await register(t, 'hopeful', PASSWORD, code);
    expect(res.status).toBe(400);
    expect(res.text).toContain('This invite code is not valid.');
    expect(res.text).toContain('value="hopeful"');
    expect(res.text).not.toContain(PASSWORD);
    expect(await users()).toHaveLength(before);
  });

  it('honours maxUses: a 2-use invite makes exactly two accounts', async () => {
    const code = await mintInvite(t, { maxUses: 2 });
    expect((await register(t, 'multi-1', PASSWORD, code)).res.status).toBe(303);
    expect((await register(t, 'multi-2', PASSWORD, code)).res.status).toBe(303);
    expect((await register(t, 'multi-3', PASSWORD, code)).res.status).toBe(400);
    expect(await invite(code)).toMatchObject({ uses: 2, used: true, used_by: ['multi-1', 'multi-2'] });
  });

  it('refuses a username taken case-insensitively with 409 and keeps the invite unused', async () => {
    const code = await mintInvite(t);
    const { res } = await register(t, 'NEWCOMER', PASSWORD, code);
    expect(res.status).toBe(409);
    expect(res.text).toContain('That username is taken.');
    expect((await invite(code)).uses).toBe(0);
  });

  it.each([
    ['too short a username', { username: 'ab' }, 'username'],
    ['a username with spaces', { username: 'has space' }, 'username'],
    ['a 33-character username', { username: 'a'.repeat(33) }, 'username'],
    ['a 7-character password', { password: 'short12' }, 'at least 8'],
    ['a common password', { password: 'password123' }, 'too common'],
    ['a common password in other case', { password: 'PassWord123' }, 'too common'],
    ['a password over 72 bytes (ASCII)', { password: 'x'.repeat(73) }, 'at most 72 bytes'],
    ['a password over 72 bytes in 37 characters (multibyte)', { password: 'é'.repeat(37) }, 'at most 72 bytes'],
    ['a missing invite code', { inviteCode: '' }, 'invite code'],
  ])('refuses %s with 400 and a field error, creating nothing', async (_case, override, message) => {
    const code = await mintInvite(t);
    const before = (await users()).length;
    const form = { username: 'valid_name', password: PASSWORD, inviteCode: code, ...override };
    const { res } = await register(t, form.username, form.password, form.inviteCode);
    expect(res.status).toBe(400);
    expect(res.text).toContain(message);
    expect(await users()).toHaveLength(before);
    expect((await invite(code)).uses).toBe(0);
  });

  it('accepts a password of exactly 72 bytes of multibyte characters, and it is not truncated', async () => {
    const code = await mintInvite(t);
    const password = 'é'.repeat(36); // 72 bytes
    const { res } = await register(t, 'bytes72', password, code);
    expect(res.status).toBe(303);
    await loginAs(t, 'bytes72', password);
    // A password that only shares the first 71 bytes must not log in.
    const { newAgent } = await import('../helpers/test-app');
    const { agent, csrf } = await newAgent(t);
    await agent
      .post('/login')
      .type('form')
      .send({ username: 'bytes72', password: 'é'.repeat(35) + 'e', _csrf: csrf })
      .expect(401);
  });

  it('20 concurrent registrations on one single-use invite create exactly one account', async () => {
    const code = await mintInvite(t);
    const agents = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const agent = request.agent(t.http);
        const page = await agent.get('/register');
        return { agent, csrf: csrfFrom(page.text) };
      }),
    );
    const results = await Promise.all(
      agents.map(({ agent, csrf }, i) =>
        agent
          .post('/register')
          .type('form')
          .send({ username: `racer${i}`, password: PASSWORD, inviteCode: code, _csrf: csrf }),
      ),
    );
    expect(results.filter((r) => r.status === 303)).toHaveLength(1);
    expect(results.filter((r) => r.status === 400)).toHaveLength(19);
    expect((await users()).filter((u) => u.username.startsWith('racer'))).toHaveLength(1);
    expect((await invite(code)).uses).toBe(1);
  });

  it('records register and invite use in the audit log without the code or password', async () => {
    const events = await t.state.audit();
    // The stored log itself must never hold the password or a code.
    const raw = await rawAudit(t);
    expect(events.some((e) => e.event === 'register' && e.actor === 'newcomer')).toBe(true);
    expect(events.some((e) => e.event === 'invite.use' && e.actor === 'newcomer')).toBe(true);
    expect(raw).not.toContain(PASSWORD);
    for (const c of await t.state.invites()) expect(raw).not.toContain(c.code);
  });
});

describe('registration throttling per IP (e2e)', () => {
  it('answers 429 with Retry-After after REGISTER_MAX_PER_IP_HOUR attempts, and lets up after the hour', async () => {
    const t = await createTestApp({ env: { REGISTER_MAX_PER_IP_HOUR: '3' } });
    try {
      for (let i = 0; i < 3; i++) expect((await register(t, `r${i}x`, PASSWORD, 'bad-code')).res.status).toBe(400);
      const code = await mintInvite(t);
      const { res } = await register(t, 'blocked', PASSWORD, code);
      expect(res.status).toBe(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect(res.text).toMatch(/Too many registration attempts/);
      expect((await t.state.invites())[0].uses).toBe(0);
      t.clock.advance(3601_000);
      expect((await register(t, 'later', PASSWORD, code)).res.status).toBe(303);
    } finally {
      await t.close();
      rmDataDir(t.dataDir);
    }
  });
});
