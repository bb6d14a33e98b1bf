import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import request from 'supertest';
import {
  createTestApp,
  csrfFrom,
  loginAs,
  makeDataDir,
  newAgent,
  readJson,
  rmDataDir,
  TestApp,
} from '../helpers/test-app';
import { CLI, CliResult, cliEnv, runCli } from '../helpers/cli';
import { ROOT } from '../helpers/dist';
import { describeFilesOnly } from '../helpers/store-mode';

/**
 * The admin CLI as operators run it: `node dist/cli.js` (what `npm run cli` runs) in a child process
 * on a temp DATA_DIR. `npm test` builds dist/ first; run `npx nest build` before running this alone.
 */
const ROOT_PASSWORD = 'correct horse battery';
const USER_PASSWORD = 'purple monkey dishwasher';

function cli(
  dataDir: string,
  args: string[],
  options: { input?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  return runCli(dataDir, args, options);
}

/** Runs the CLI on a pseudo-terminal (util-linux `script`) and answers each password prompt. */
function cliOnTerminal(dataDir: string, args: string[], answers: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const command = [process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      cwd: ROOT,
      env: cliEnv(dataDir, { TERM: 'dumb' }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let prompts = 0;
    child.stdout.on('data', (d) => {
      stdout += d.toString();
      const seen = (stdout.match(/password: /gi) ?? []).length;
      while (prompts < seen && prompts < answers.length) child.stdin.write(`${answers[prompts++]}\r`);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr: '' }));
  });
}

const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0;

function fileText(dir: string, name: string): string | null {
  const file = path.join(dir, name);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
}

function users(dir: string): Array<Record<string, unknown>> {
  return readJson<{ users: Array<Record<string, unknown>> }>(dir, 'users.json').users;
}

function invites(dir: string): Array<Record<string, unknown>> {
  return readJson<{ codes: Array<Record<string, unknown>> }>(dir, 'invites.json').codes;
}

function audit(dir: string): Array<Record<string, unknown>> {
  return (fileText(dir, 'audit.jsonl') ?? '')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

function codeFrom(stdout: string): string {
  const match = /^Invite code: (\S+)$/m.exec(stdout);
  if (!match) throw new Error(`no invite code in: ${stdout}`);
  return match[1];
}

async function registerWith(t: TestApp, username: string, inviteCode: string, password = USER_PASSWORD) {
  const agent = request.agent(t.http);
  const page = await agent.get(`/register?code=${encodeURIComponent(inviteCode)}`).expect(200);
  return agent
    .post('/register')
    .type('form')
    .send({ username, password, inviteCode, _csrf: csrfFrom(page.text) });
}

beforeAll(() => {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" (npm test does it) first`);
});

describeFilesOnly('cli-files', 'admin CLI (e2e, node dist/cli.js)', () => {
  describe('usage', () => {
    // Made in beforeAll, not while the file is collected: in postgres mode these tests are skipped and
    // their afterAll never runs.
    let dir: string;
    beforeAll(() => (dir = makeDataDir()));
    afterAll(() => rmDataDir(dir));

    it('help prints the commands on stdout and exits 0', async () => {
      const res = await cli(dir, ['help']);
      expect(res.code).toBe(0);
      for (const command of ['create-admin', 'mint-invite', 'reset-password', 'list-users', 'disable-user']) {
        expect(res.stdout).toContain(command);
      }
    });

    it.each([
      [[], 'No command given.'],
      [['launch-missiles'], 'Unknown command: launch-missiles'],
      [['mint-invite', '--colour', 'red'], "Unknown option '--colour'"],
      [['create-admin'], 'expected exactly one <username>'],
      [['disable-user', 'a', 'b'], 'expected exactly one <username>'],
      [['create-admin', 'no spaces allowed'], 'Use 3–32 letters'],
      [['mint-invite', '--max-uses', '0'], 'Uses must be a whole number from 1 to 1000.'],
      [['mint-invite', '--role', 'boss'], 'Choose a role: user or admin.'],
      [['mint-invite', '--expires-in-days', '366'], 'from 0 (never) to 365'],
      [['mint-invite', '--code', 'bad code'], 'A custom code must be 6–64'],
    ])('%j is a usage error: exit 2, message on stderr, nothing written', async (args, message) => {
      const res = await cli(dir, args);
      expect(res.code).toBe(2);
      expect(res.stderr).toContain(message);
      expect(res.stdout).toBe('');
      expect(fileText(dir, 'invites.json') ?? '{"codes":[]}').not.toContain('"code": "');
      expect(fileText(dir, 'users.json') ?? '{"users":[]}').not.toContain('"username"');
    });

    it('refuses to start on an invalid environment with one clear line (exit 1)', async () => {
      const res = await cli(dir, ['list-users'], { env: { BCRYPT_COST: '99' } });
      expect(res.code).toBe(1);
      expect(res.stderr.trim()).toBe(
        'Gatehouse CLI cannot start: Invalid environment variable BCRYPT_COST="99": expected an integer from 4 to 15',
      );
    });

    it('a read-only list-users on an empty DATA_DIR writes nothing: no session secret, no data file', async () => {
      const empty = makeDataDir();
      const res = await cli(empty, ['list-users']);
      expect(res.code).toBe(0);
      expect(res.stdout).toContain('0 user(s).');
      expect(fs.readdirSync(empty)).toEqual([]);
      expect(fs.existsSync(path.join(empty, '.session-secret'))).toBe(false);
      rmDataDir(empty);
    });

    it('refuses a corrupt users.json and leaves it untouched (exit 1)', async () => {
      const corrupt = makeDataDir();
      fs.writeFileSync(path.join(corrupt, 'users.json'), '{"users": [');
      const res = await cli(corrupt, ['list-users']);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('users.json');
      expect(fileText(corrupt, 'users.json')).toBe('{"users": [');
      rmDataDir(corrupt);
    });
  });

  describe('create-admin', () => {
    let dir: string;
    beforeEach(() => {
      dir = makeDataDir();
    });
    afterEach(() => rmDataDir(dir));

    it('creates the first admin with the password from stdin; the web app accepts it', async () => {
      const res = await cli(dir, ['create-admin', 'root'], { input: `${ROOT_PASSWORD}\n` });
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      expect(res.stdout).toContain('Created admin root.');
      const [root] = users(dir);
      expect(root).toMatchObject({ username: 'root', role: 'admin', disabled: false });
      expect(root.password_hash).toMatch(/^\$2[aby]\$04\$/);
      expect(res.stdout + res.stderr + fileText(dir, 'audit.jsonl')).not.toContain(ROOT_PASSWORD);
      expect(audit(dir)).toEqual([
        expect.objectContaining({ event: 'admin.cli', actor: 'cli', command: 'create-admin', created: 'root' }),
      ]);

      const t = await createTestApp({ dataDir: dir });
      try {
        const { agent } = await loginAs(t, 'root', ROOT_PASSWORD);
        await agent.get('/admin').expect(200);
        await request(t.http).get('/admin/setup').expect(404); // setup closes once an admin exists
      } finally {
        await t.close();
      }
    });

    it('refuses once any admin exists (exit 1), whatever the username', async () => {
      expect((await cli(dir, ['create-admin', 'root'], { input: `${ROOT_PASSWORD}\n` })).code).toBe(0);
      const before = fileText(dir, 'users.json');
      const again = await cli(dir, ['create-admin', 'second'], { input: `${ROOT_PASSWORD}\n` });
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('An admin already exists');
      expect(fileText(dir, 'users.json')).toBe(before);
    });

    it.each([
      ['too short', 'short\n', 'at least 8 characters'],
      ['too common', 'password1\n', 'too common'],
      ['over 72 bytes', `${'ü'.repeat(40)}\n`, 'at most 72 bytes'],
      ['empty stdin', '', 'No password given on stdin.'],
    ])('refuses a password that is %s (exit 1), creating nothing', async (_what, input, message) => {
      const res = await cli(dir, ['create-admin', 'root'], { input });
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(message);
      expect(fileText(dir, 'users.json') ?? '').not.toContain('root');
    });

    (HAS_SCRIPT ? it : it.skip)('on a terminal, asks twice without echoing the password', async () => {
      const mismatch = await cliOnTerminal(dir, ['create-admin', 'root'], [ROOT_PASSWORD, 'something else entirely']);
      expect(mismatch.code).toBe(1);
      expect(mismatch.stdout).toContain('The passwords do not match.');
      expect(fileText(dir, 'users.json') ?? '').not.toContain('root');

      const res = await cliOnTerminal(dir, ['create-admin', 'root'], [ROOT_PASSWORD, ROOT_PASSWORD]);
      expect(res.code).toBe(0);
      expect(res.stdout).toMatch(/Password: [\s\S]*Repeat password: [\s\S]*Created admin root\./);
      expect(res.stdout).not.toContain(ROOT_PASSWORD);
      expect(mismatch.stdout).not.toContain(ROOT_PASSWORD);
      expect(users(dir)[0]).toMatchObject({ username: 'root', role: 'admin' });
    });

    it('uses only the first line of stdin, keeping inner spaces', async () => {
      const res = await cli(dir, ['create-admin', 'root'], { input: `${ROOT_PASSWORD}\r\nsecond line\n` });
      expect(res.code).toBe(0);
      const t = await createTestApp({ dataDir: dir });
      try {
        await loginAs(t, 'root', ROOT_PASSWORD);
      } finally {
        await t.close();
      }
    });
  });

  describe('with the server app running on the same DATA_DIR', () => {
    let dir: string;
    let t: TestApp;

    beforeAll(async () => {
      dir = makeDataDir();
      expect((await cli(dir, ['create-admin', 'root'], { input: `${ROOT_PASSWORD}\n` })).code).toBe(0);
      t = await createTestApp({ dataDir: dir });
    });
    afterAll(async () => {
      await t.close();
      rmDataDir(dir);
    });

    it('mint-invite with defaults prints the code and the /register link; the code registers a user', async () => {
      const res = await cli(dir, ['mint-invite']);
      expect(res.code).toBe(0);
      const code = codeFrom(res.stdout);
      expect(code).toMatch(/^[A-Za-z0-9_-]{24}$/);
      expect(res.stdout).toContain(`Invite link: http://127.0.0.1:3000/register?code=${code}`);
      const record = invites(dir).find((c) => c.code === code)!;
      expect(record).toMatchObject({ role: 'user', max_uses: 1, uses: 0, created_by: 'cli', revoked_at: null });
      const created = new Date(record.created_at as string).getTime();
      expect(new Date(record.expires_at as string).getTime() - created).toBe(7 * 86_400_000);

      expect((await registerWith(t, 'bob', code)).status).toBe(303);
      expect(users(dir).find((u) => u.username === 'bob')).toMatchObject({ role: 'user', invited_by: 'cli' });
      expect((await registerWith(t, 'bob2', code)).status).toBe(400); // one use only
      expect(fileText(dir, 'audit.jsonl')).not.toContain(code);
      expect(audit(dir).some((e) => e.event === 'invite.mint' && e.actor === 'cli' && e.ip === null)).toBe(true);
    });

    it('with PUBLIC_URL, printed invite and reset links use it', async () => {
      const env = { PUBLIC_URL: 'https://gate.example.com/' };
      const minted = await cli(dir, ['mint-invite'], { env });
      expect(minted.code).toBe(0);
      expect(minted.stdout).toContain(`Invite link: https://gate.example.com/register?code=${codeFrom(minted.stdout)}`);
      const reset = await cli(dir, ['reset-password', 'root'], { env });
      expect(reset.stdout).toMatch(/^https:\/\/gate\.example\.com\/reset-password\?token=[A-Za-z0-9_-]+$/m);
      const bad = await cli(dir, ['list-users'], { env: { PUBLIC_URL: 'https://gate.example.com/app' } });
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain('PUBLIC_URL');
    });

    it('mint-invite honours --role, --note, --max-uses, --expires-in-days and --code', async () => {
      const res = await cli(dir, [
        'mint-invite',
        '--role',
        'admin',
        '--note',
        'for the <ops> team',
        '--max-uses',
        '2',
        '--expires-in-days',
        '0',
        '--code',
        'Ops-Team_2026',
      ]);
      expect(res.code).toBe(0);
      expect(codeFrom(res.stdout)).toBe('Ops-Team_2026');
      expect(res.stdout).toContain('Role admin, 2 use(s), expires never.');
      expect(invites(dir).find((c) => c.code === 'Ops-Team_2026')).toMatchObject({
        role: 'admin',
        note: 'for the <ops> team',
        max_uses: 2,
        expires_at: null,
      });
      expect((await registerWith(t, 'ops1', 'Ops-Team_2026')).status).toBe(303);
      expect((await registerWith(t, 'ops2', 'Ops-Team_2026')).status).toBe(303);
      expect((await registerWith(t, 'ops3', 'Ops-Team_2026')).status).toBe(400);
      expect(
        users(dir)
          .filter((u) => String(u.username).startsWith('ops'))
          .map((u) => u.role),
      ).toEqual(['admin', 'admin']);

      const dup = await cli(dir, ['mint-invite', '--code', 'Ops-Team_2026']);
      expect(dup.code).toBe(1);
      expect(dup.stderr).toContain('That code already exists.');

      const admin = await loginAs(t, 'root', ROOT_PASSWORD);
      const panel = await admin.agent.get('/admin').expect(200);
      expect(panel.text).toContain('for the &lt;ops&gt; team');
    });

    it('list-users lists every user without hashes, as a table or JSON', async () => {
      const table = await cli(dir, ['list-users']);
      expect(table.code).toBe(0);
      expect(table.stdout).toMatch(/^USERNAME\s+ROLE\s+STATUS/);
      expect(table.stdout).toMatch(/^root\s+admin\s+active/m);
      expect(table.stdout).toMatch(/^bob\s+user\s+active/m);
      const json = await cli(dir, ['list-users', '--json']);
      expect(json.code).toBe(0);
      const listed = JSON.parse(json.stdout).users;
      expect(listed.map((u: { username: string }) => u.username)).toEqual(users(dir).map((u) => u.username));
      for (const output of [table.stdout, json.stdout]) {
        expect(output).not.toMatch(/\$2[aby]\$|password|hash/i);
      }
    });

    it('reset-password prints a one-time link that works once in the web app', async () => {
      const bobSession = await loginAs(t, 'bob', USER_PASSWORD);
      const res = await cli(dir, ['reset-password', 'BOB']);
      expect(res.code).toBe(0);
      const link = /^(http:\/\/127\.0\.0\.1:3000\/reset-password\?token=[A-Za-z0-9_-]+)$/m.exec(res.stdout)![1];
      const url = new URL(link);
      const token = url.searchParams.get('token')!;
      expect(fileText(dir, 'password-resets.json')).not.toContain(token);
      expect(fileText(dir, 'audit.jsonl')).not.toContain(token);
      expect(
        audit(dir).some((e) => e.event === 'user.password_reset_link' && e.actor === 'cli' && e.target === 'bob'),
      ).toBe(true);

      const anon = request.agent(t.http);
      const form = await anon.get(url.pathname + url.search).expect(200);
      await anon
        .post('/reset-password')
        .type('form')
        .send({ token, password: 'a fresh passphrase here', _csrf: csrfFrom(form.text) })
        .expect(303);
      await loginAs(t, 'bob', 'a fresh passphrase here');
      expect((await bobSession.agent.get('/account/password')).status).toBe(303); // old session ended
      expect((await anon.get(url.pathname + url.search)).status).toBe(400);

      const unknown = await cli(dir, ['reset-password', 'nobody']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('No such user: nobody');
    });

    it('disable-user cuts off the live session at once; the last admin cannot be disabled', async () => {
      const bob = await loginAs(t, 'bob', 'a fresh passphrase here');
      await bob.agent.get('/account/password').expect(200);
      const res = await cli(dir, ['disable-user', 'bob']);
      expect(res.code).toBe(0);
      expect(res.stdout).toContain('Disabled bob');
      expect(users(dir).find((u) => u.username === 'bob')!.disabled).toBe(true);
      expect((await bob.agent.get('/account/password')).status).toBe(303);
      const { agent, csrf } = await newAgent(t);
      await agent
        .post('/login')
        .type('form')
        .send({ username: 'bob', password: 'a fresh passphrase here', _csrf: csrf })
        .expect(401);
      expect(audit(dir).some((e) => e.event === 'user.disable' && e.actor === 'cli' && e.target === 'bob')).toBe(true);

      // ops1/ops2 are admins too: disable them, then root is the last enabled admin
      expect((await cli(dir, ['disable-user', 'ops1'])).code).toBe(0);
      expect((await cli(dir, ['disable-user', 'ops2'])).code).toBe(0);
      const before = fileText(dir, 'users.json');
      const last = await cli(dir, ['disable-user', 'root']);
      expect(last.code).toBe(1);
      expect(last.stderr).toContain('The last admin cannot be disabled, demoted or deleted.');
      expect(fileText(dir, 'users.json')).toBe(before);
      await loginAs(t, 'root', ROOT_PASSWORD);

      const unknown = await cli(dir, ['disable-user', 'nobody']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('No such user: nobody');

      expect((await cli(dir, ['enable-user', 'bob'])).code).toBe(0);
      await loginAs(t, 'bob', 'a fresh passphrase here');
    });

    it('never writes passwords, hashes, tokens or full invite codes to the audit file', () => {
      const text = fileText(dir, 'audit.jsonl')!;
      expect(text).not.toMatch(/\$2[aby]\$/);
      expect(text).not.toContain(ROOT_PASSWORD);
      for (const invite of invites(dir)) expect(text).not.toContain(invite.code as string);
    });
  });
});
