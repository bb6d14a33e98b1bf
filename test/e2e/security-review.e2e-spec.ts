import { Logger } from '@nestjs/common';
import * as fs from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';
import { SetupService } from '../../src/auth/setup/setup.service';
import { generateJob, waitForJob } from '../helpers/generation-helpers';
import {
  Agent,
  createTestApp,
  csrfFrom,
  loginAs,
  makeDataDir,
  newAgent,
  register,
  rmDataDir,
  setupAdmin,
  TestApp,
} from '../helpers/test-app';
import { describeFilesOnly } from '../helpers/store-mode';
import { rawAudit, rawStore } from '../helpers/raw-store';

/** Issue 11: findings of the security review that an in-process app can show. */

const ROOT_PASSWORD = 'correct horse battery';
const USER_PASSWORD = 'purple monkey dishwasher';

interface Entry {
  path: string;
  mode: number;
  dir: boolean;
}

/** Every folder and file under `root` (root included), without following symlinks. */
function walk(root: string): Entry[] {
  const entries: Entry[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const current = stack.pop()!;
    const stat = fs.lstatSync(current);
    entries.push({ path: path.relative(root, current) || '.', mode: stat.mode & 0o777, dir: stat.isDirectory() });
    if (stat.isDirectory()) for (const name of fs.readdirSync(current)) stack.push(path.join(current, name));
  }
  return entries;
}

/**
 * Where the store holds `secret`: files under DATA_DIR (files mode), or `['database']` when any row of
 * any table holds it (postgres mode).
 */
async function storedContaining(t: TestApp, secret: string): Promise<string[]> {
  if (t.store === 'postgres') return (await rawStore(t)).includes(secret) ? ['database'] : [];
  return filesContaining(t.dataDir, secret);
}

/** Files under `root` whose bytes contain `secret`. */
function filesContaining(root: string, secret: string): string[] {
  return walk(root)
    .filter((e) => !e.dir && fs.readFileSync(path.join(root, e.path)).includes(secret))
    .map((e) => e.path);
}

function unescapeHtml(text: string): string {
  return text.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');
}

/** The audit entries as stored (files: audit.jsonl's lines; postgres: the audit_log rows, through the AuditLog). */
async function auditLines(t: TestApp): Promise<Array<Record<string, unknown>>> {
  if (t.store === 'postgres') return await t.state.audit();
  const file = path.join(t.dataDir, 'audit.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function mintThroughPanel(admin: { agent: Agent; csrf: string }): Promise<string> {
  await admin.agent.post('/admin/invites').type('form').send({ _csrf: admin.csrf, note: 'for bob' }).expect(303);
  const page = await admin.agent.get('/admin').expect(200);
  return unescapeHtml(/data-testid="minted-code">([^<]+)</.exec(page.text)![1]);
}

async function resetLinkFor(admin: { agent: Agent; csrf: string }, username: string) {
  const res = await admin.agent.post(`/admin/users/${username}/reset`).type('form').send({ _csrf: admin.csrf });
  expect(res.status).toBe(200);
  const link = unescapeHtml(/data-testid="reset-link-url">([^<]+)</.exec(res.text)![1]);
  return { res, link, token: new URL(link).searchParams.get('token')! };
}

describeFilesOnly('data-dir-permissions', 'DATA_DIR is private: folders 0700, files 0600 (finding 2)', () => {
  it('after a whole journey (setup, invite, register, login, a job, a reset link, logout)', async () => {
    const t = await createTestApp({ env: { GENERATION_PROVIDER: 'offline' } });
    try {
      const admin = await setupAdmin(t, 'root', ROOT_PASSWORD);
      const code = await mintThroughPanel(admin);
      expect((await register(t, 'bob', USER_PASSWORD, code)).res.status).toBe(303);
      const bob = await loginAs(t, 'bob', USER_PASSWORD);
      const jobId = await generateJob(bob, 'A short brief about tea', 2);
      expect((await waitForJob(bob.agent, jobId)).status).toBe('succeeded');
      await bob.agent.get(`/download/${jobId}.zip`).expect(200);
      await resetLinkFor(admin, 'bob');
      await bob.agent.post('/logout').type('form').send({ _csrf: bob.csrf }).expect(303);
      await t.app.close(); // every write flushed

      const entries = walk(t.dataDir);
      expect(entries.filter((e) => !e.dir).map((e) => e.path)).toEqual(
        expect.arrayContaining(['users.json', 'invites.json', 'audit.jsonl', 'password-resets.json']),
      );
      expect(entries.some((e) => e.path.startsWith(`jobs/${jobId}/artifacts/`))).toBe(true);
      const loose = entries.filter((e) => e.mode !== (e.dir ? 0o700 : 0o600));
      expect(loose.map((e) => `${e.path} ${e.mode.toString(8)}`)).toEqual([]);
    } finally {
      rmDataDir(t.dataDir);
    }
  });

  it('tightens what an older version left readable at start, and says so in one line', async () => {
    const dataDir = makeDataDir();
    fs.chmodSync(dataDir, 0o755);
    fs.writeFileSync(path.join(dataDir, 'users.json'), '{"users":[]}', { mode: 0o644 });
    fs.writeFileSync(path.join(dataDir, 'audit.jsonl'), '', { mode: 0o644 });
    fs.mkdirSync(path.join(dataDir, 'jobs', 'old'), { recursive: true, mode: 0o755 });
    fs.writeFileSync(path.join(dataDir, 'jobs', 'old', 'job.json'), '{}', { mode: 0o666 });
    fs.chmodSync(path.join(dataDir, 'jobs', 'old', 'job.json'), 0o666);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const t = await createTestApp({ dataDir });
    try {
      const loose = walk(dataDir).filter((e) => e.mode !== (e.dir ? 0o700 : 0o600));
      expect(loose).toEqual([]);
      const lines = warn.mock.calls.map((c) => String(c[0])).filter((m) => m.startsWith('DATA_DIR'));
      expect(lines).toEqual([
        'DATA_DIR was readable by other users: made 6 file(s) and folder(s) private (folders 0700, files 0600)',
      ]);
    } finally {
      warn.mockRestore();
      await t.close();
      rmDataDir(dataDir);
    }
  });
});

describe('no one-time secret rests in any file (finding 3)', () => {
  let t: TestApp;
  let setupToken: string;

  beforeAll(async () => {
    // No ADMIN_SETUP_TOKEN: the app generates one, which must live in memory only.
    t = await createTestApp({ env: { ADMIN_SETUP_TOKEN: '' } });
    const setup: unknown = t.app.get(SetupService);
    setupToken = (setup as { token: string }).token; // private: the test reads it from memory
  });
  afterAll(async () => {
    await t.close();
    rmDataDir(t.dataDir);
  });

  it('the generated setup token is used and never written to DATA_DIR', async () => {
    expect(setupToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const agent = request.agent(t.http);
    const page = await agent.get(`/admin/setup?token=${setupToken}`).expect(200);
    await agent
      .post('/admin/setup')
      .type('form')
      .send({ username: 'root', password: ROOT_PASSWORD, token: setupToken, _csrf: csrfFrom(page.text) })
      .expect(303);
    expect(await storedContaining(t, setupToken)).toEqual([]);
  });

  it('a reset link is shown on the POST answer (no-store) and its token is on disk neither then nor after', async () => {
    const admin = await loginAs(t, 'root', ROOT_PASSWORD);
    const { res, link, token } = await resetLinkFor(admin, 'root');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(link).toMatch(/\/reset-password\?token=[A-Za-z0-9_-]{40,}$/);
    expect(await storedContaining(t, token)).toEqual([]); // right after the POST: sessions.json included
    const next = await admin.agent.get('/admin').expect(200);
    expect(next.text).not.toContain(token);
    expect(await storedContaining(t, token)).toEqual([]);
    // It still works, once.
    const anon = request.agent(t.http);
    await anon.get(`/reset-password?token=${token}`).expect(200);
  });
});

describe('refused logins keep the audit log bounded (finding 5)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { LOGIN_MAX_FAILURES: '3', LOGIN_MAX_FAILURES_PER_IP: '100000' } });
  });
  afterAll(async () => {
    await t.close();
    rmDataDir(t.dataDir);
  });

  it('500 refused logins add one line; a 200-character username is cut to 64 characters', async () => {
    const { agent, csrf } = await newAgent(t);
    const username = `${'a'.repeat(100)}${'b'.repeat(100)}`;
    const login = () => agent.post('/login').type('form').send({ username, password: 'wrong password', _csrf: csrf });
    for (let i = 0; i < 3; i++) expect((await login()).status).toBe(401);
    const [linesBefore, bytesBefore] = [(await auditLines(t)).length, (await rawAudit(t)).length];
    for (let batch = 0; batch < 10; batch++) {
      const statuses = await Promise.all(Array.from({ length: 50 }, () => login().then((r) => r.status)));
      expect(statuses.every((s) => s === 429)).toBe(true);
    }
    const added = (await auditLines(t)).slice(linesBefore);
    expect(added.map((e) => e.event)).toEqual(['login.throttled']);
    expect((await rawAudit(t)).length - bytesBefore).toBeLessThan(400);
    for (const entry of await auditLines(t)) {
      expect(entry.actor).toBe(`${'a'.repeat(63)}…`);
      expect(JSON.stringify(entry)).not.toContain('b');
    }
  });
});

describe('a JSON body nested too deeply (finding 8)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
    rmDataDir(t.dataDir);
  });

  it('45,000 levels: 400 JSON before any validation, not a 500 stack overflow', async () => {
    const body = `{"username":${'['.repeat(45_000)}${']'.repeat(45_000)},"password":"x"}`;
    const res = await request(t.http).post('/login').set('Content-Type', 'application/json').send(body);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'The request body is nested too deeply (more than 32 levels).' });
  });

  it('32 levels still reach the usual checks', async () => {
    const body = `{"username":${'['.repeat(31)}${']'.repeat(31)}}`;
    const res = await request(t.http).post('/login').set('Content-Type', 'application/json').send(body);
    expect(res.status).toBe(403); // the CSRF guard, as for any POST without a token
  });
});

describe('the CSRF token is renewed at login (finding 9)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
    rmDataDir(t.dataDir);
  });

  async function expectRenewed(agent: Agent, before: string): Promise<void> {
    await agent.post('/logout').type('form').send({ _csrf: before }).expect(403);
    const after = csrfFrom((await agent.get('/account/password').expect(200)).text);
    expect(after).not.toBe(before);
    await agent.post('/logout').type('form').send({ _csrf: after }).expect(303);
  }

  it('setup, login and registration: the pre-login token is refused afterwards, the new one works', async () => {
    const setupAgent = request.agent(t.http);
    const setupPage = await setupAgent.get('/admin/setup?token=test-setup-token-0123456789').expect(200);
    const setupToken = csrfFrom(setupPage.text);
    await setupAgent
      .post('/admin/setup')
      .type('form')
      .send({ username: 'root', password: ROOT_PASSWORD, token: 'test-setup-token-0123456789', _csrf: setupToken })
      .expect(303);
    await expectRenewed(setupAgent, setupToken);

    const { agent, csrf } = await newAgent(t);
    await agent
      .post('/login')
      .type('form')
      .send({ username: 'root', password: ROOT_PASSWORD, _csrf: csrf })
      .expect(303);
    await expectRenewed(agent, csrf);

    const admin = await loginAs(t, 'root', ROOT_PASSWORD);
    const code = await mintThroughPanel(admin);
    const registerAgent = request.agent(t.http);
    const form = await registerAgent.get(`/register?code=${code}`).expect(200);
    const registerToken = csrfFrom(form.text);
    await registerAgent
      .post('/register')
      .type('form')
      .send({ username: 'carol', password: USER_PASSWORD, inviteCode: code, _csrf: registerToken })
      .expect(303);
    await expectRenewed(registerAgent, registerToken);
  });
});

describe('PUBLIC_URL in links and the Origin check (finding 10)', () => {
  let t: TestApp;
  let admin: { agent: Agent; csrf: string };

  beforeAll(async () => {
    t = await createTestApp({ env: { PUBLIC_URL: 'https://gate.example.com' } });
    admin = await setupAdmin(t, 'root', ROOT_PASSWORD);
  });
  afterAll(async () => {
    await t.close();
    rmDataDir(t.dataDir);
  });

  it('invite and reset links use PUBLIC_URL, whatever Host the request named', async () => {
    await admin.agent
      .post('/admin/invites')
      .set('Host', 'evil.example')
      .type('form')
      .send({ _csrf: admin.csrf, note: 'x' })
      .expect(303);
    const panel = await admin.agent.get('/admin').set('Host', 'evil.example').expect(200);
    const link = unescapeHtml(/data-testid="minted-link">([^<]+)</.exec(panel.text)![1]);
    expect(link).toMatch(/^https:\/\/gate\.example\.com\/register\?code=[A-Za-z0-9_-]+$/);
    expect(panel.text).not.toContain('evil.example');
    const res = await admin.agent
      .post('/admin/users/root/reset')
      .set('Host', 'evil.example')
      .type('form')
      .send({ _csrf: admin.csrf });
    expect(unescapeHtml(/data-testid="reset-link-url">([^<]+)</.exec(res.text)![1])).toMatch(
      /^https:\/\/gate\.example\.com\/reset-password\?token=/,
    );
  });

  it("accepts PUBLIC_URL's origin; refuses the same host over another scheme", async () => {
    const post = (origin: string) =>
      admin.agent
        .post('/admin/invites')
        .set('Host', 'gate.internal:3000')
        .set('Origin', origin)
        .type('form')
        .send({ _csrf: admin.csrf, note: 'o' });
    expect((await post('https://gate.example.com')).status).toBe(303);
    expect((await post('http://gate.internal:3000')).status).toBe(303); // the request's own origin
    expect((await post('https://gate.internal:3000')).status).toBe(403);
    expect((await post('http://gate.example.com')).status).toBe(403);
  });
});
