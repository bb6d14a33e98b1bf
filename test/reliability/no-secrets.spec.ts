import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { requireBuild } from '../helpers/dist';
import { HttpClient, ServerProcess, startServer } from '../helpers/server-process';
import { recoveryCodesFrom, secretFrom, totp } from '../helpers/two-factor';

const SECRETS = {
  SESSION_SECRET: 'session-secret-that-must-never-leak-0123456789',
  ADMIN_SETUP_TOKEN: 'setup-token-that-must-never-leak',
  ADMIN_BOOTSTRAP_PASSWORD: 'bootstrap-password-never-leak',
  OPENAI_API_KEY: 'sk-test-key-that-must-never-leak',
};
const ADMIN_PASSWORD = 'admin passphrase never leaked';
const USER_PASSWORD = 'member passphrase never leaked';
const NEW_PASSWORD = 'changed passphrase never leaked';

/** SPEC §5: no password, hash, token, key or secret in any log, page or the audit file. */
describe('no secret reaches a log, a page or the audit file', () => {
  let dataDir: string;
  let server: ServerProcess;
  const pages: string[] = [];
  /** The session ids the server handed out (from the clients' cookies: session files are named by a hash). */
  const sessionIds: string[] = [];
  const sessionIdOf = (client: HttpClient) =>
    decodeURIComponent(client.cookie.slice('gatehouse.sid='.length))
      .replace(/^s:/, '')
      .replace(/\.[^.]*$/, '');
  /** Issue 16: the admin's TOTP secret and recovery codes (each also as typed without dashes). */
  const twoFactorSecrets: string[] = [];

  beforeAll(async () => {
    requireBuild();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-secrets-'));
    server = await startServer(dataDir, { ...SECRETS, GENERATION_PROVIDER: 'offline', LOGIN_MAX_FAILURES: '2' });

    const admin = new HttpClient(server.url);
    const setup = await admin.submit(`/admin/setup?token=${SECRETS.ADMIN_SETUP_TOKEN}`, '/admin/setup', {
      username: 'boss',
      password: ADMIN_PASSWORD,
      token: SECRETS.ADMIN_SETUP_TOKEN,
    });
    expect(setup.status).toBe(303);
    sessionIds.push(sessionIdOf(admin));
    pages.push((await admin.get('/')).text, (await admin.get('/account/password')).text);

    // Two-factor login: enrol (the only two answers that show the secret and the codes are not kept as
    // "pages"), then log in with a code, with a recovery code, and fail once with a used recovery code.
    const setupPage = await admin.submit('/account/2fa', '/account/2fa/setup', {});
    const secret = secretFrom(setupPage.text);
    const enabled = await admin.submit('/account/2fa', '/account/2fa/enable', {
      code: totp.generate(secret, new Date()),
    });
    expect(enabled.status).toBe(200);
    const codes = recoveryCodesFrom(enabled.text);
    expect(codes).toHaveLength(10);
    twoFactorSecrets.push(secret, secret.toLowerCase(), ...codes, ...codes.map((c) => c.replace(/-/g, '')));
    pages.push((await admin.get('/account/2fa')).text, (await admin.get('/account')).text);
    const second = new HttpClient(server.url);
    expect((await second.submit('/login', '/login', { username: 'boss', password: ADMIN_PASSWORD })).location).toBe(
      '/login/2fa',
    );
    const upcoming = totp.generate(secret, new Date(Date.now() + 30_000));
    sessionIds.push(sessionIdOf(second)); // the half-done login's session
    expect((await second.submit('/login/2fa', '/login/2fa', { code: upcoming })).status).toBe(303);
    sessionIds.push(sessionIdOf(second));
    const third = new HttpClient(server.url);
    await third.submit('/login', '/login', { username: 'boss', password: ADMIN_PASSWORD });
    expect((await third.submit('/login/2fa', '/login/2fa', { code: codes[0] })).status).toBe(303);
    sessionIds.push(sessionIdOf(third));
    const fourth = new HttpClient(server.url);
    await fourth.submit('/login', '/login', { username: 'boss', password: ADMIN_PASSWORD });
    pages.push((await fourth.submit('/login/2fa', '/login/2fa', { code: codes[0] })).text);
    pages.push((await third.get('/admin')).text, (await third.get('/admin/users.json')).text);

    // Mint through the service-free path: write an invite, then register through the form.
    const invites = JSON.parse(fs.readFileSync(path.join(dataDir, 'invites.json'), 'utf8'));
    invites.codes.push({ code: 'secret-test-invite', note: '', used: false, max_uses: 1, uses: 0, role: 'user' });
    fs.writeFileSync(path.join(dataDir, 'invites.json'), JSON.stringify(invites));
    const member = new HttpClient(server.url);
    const reg = await member.submit('/register?code=secret-test-invite', '/register', {
      username: 'member',
      password: USER_PASSWORD,
      inviteCode: 'secret-test-invite',
    });
    expect(reg.status).toBe(303);
    sessionIds.push(sessionIdOf(member));
    pages.push((await member.get('/')).text);

    // A weak password, a password change, then failures, a lockout and a bad CSRF. (The change comes
    // first: once the stranger has locked "member", checking member's current password is refused too.)
    pages.push(
      (
        await member.submit('/account/password', '/account/password', {
          currentPassword: USER_PASSWORD,
          newPassword: 'password1',
        })
      ).text,
    );
    const change = await member.submit('/account/password', '/account/password', {
      currentPassword: USER_PASSWORD,
      newPassword: NEW_PASSWORD,
    });
    expect(change.status).toBe(303);
    const stranger = new HttpClient(server.url);
    for (let i = 0; i < 3; i++) {
      pages.push(
        (await stranger.submit('/login', '/login', { username: 'member', password: `${USER_PASSWORD}-wrong` })).text,
      );
    }
    pages.push((await stranger.post('/login', { username: 'boss', password: ADMIN_PASSWORD, _csrf: 'forged' })).text);
    pages.push((await member.get('/no-such-page')).text);
    await server.stop();
  }, 60_000);

  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  const forbidden = [...Object.values(SECRETS), ADMIN_PASSWORD, USER_PASSWORD, NEW_PASSWORD, '$2b$'];

  it('the server log holds none of them', () => {
    const log = server.output();
    expect(log).toContain('Listening on');
    for (const secret of [...forbidden, ...twoFactorSecrets]) expect(log).not.toContain(secret);
  });

  it('no file in DATA_DIR holds a two-factor secret or recovery code in the clear', () => {
    const read = (dir: string): string =>
      fs
        .readdirSync(dir, { withFileTypes: true })
        .map((e) => (e.isDirectory() ? read(path.join(dir, e.name)) : fs.readFileSync(path.join(dir, e.name), 'utf8')))
        .join('\n');
    const everything = read(dataDir);
    expect(everything).toContain('recovery_code_hashes');
    for (const secret of twoFactorSecrets) expect(everything).not.toContain(secret);
  });

  it('the audit file holds none of them (nor session ids or invite codes)', () => {
    const audit = fs.readFileSync(path.join(dataDir, 'audit.jsonl'), 'utf8');
    expect(audit).toContain('login.failure');
    expect(audit).toContain('login.recovery_code');
    for (const secret of [...forbidden, ...twoFactorSecrets, 'secret-test-invite']) expect(audit).not.toContain(secret);
    for (const sid of sessionIds) expect(audit).not.toContain(sid);
  });

  it('no page that was served holds any of them', () => {
    expect(pages.length).toBeGreaterThan(5);
    for (const page of pages)
      for (const secret of [...forbidden, ...twoFactorSecrets]) expect(page).not.toContain(secret);
  });

  it('the session secret file is not created when SESSION_SECRET is set', () => {
    expect(fs.existsSync(path.join(dataDir, '.session-secret'))).toBe(false);
  });
});

describe('generated session secret', () => {
  it('is persisted with mode 0600, reused on restart, and only a warning without the value is logged', async () => {
    requireBuild();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-secret-file-'));
    try {
      const first = await startServer(dataDir, { SESSION_SECRET: '' });
      await first.stop();
      const file = path.join(dataDir, '.session-secret');
      const secret = fs.readFileSync(file, 'utf8').trim();
      expect(secret.length).toBeGreaterThanOrEqual(32);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(first.output()).toMatch(/SESSION_SECRET is not set/);
      expect(first.output()).not.toContain(secret);
      const second = await startServer(dataDir, { SESSION_SECRET: '' });
      await second.stop();
      expect(fs.readFileSync(file, 'utf8').trim()).toBe(secret);
      expect(second.output()).not.toContain(secret);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
