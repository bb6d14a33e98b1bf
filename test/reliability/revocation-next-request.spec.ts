import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI, runCli } from '../helpers/cli';
import { requireBuild } from '../helpers/dist';
import { HttpClient, ServerProcess, startServer } from '../helpers/server-process';
import { TEST_SETUP_TOKEN } from '../helpers/test-app';

const PASSWORD = 'revocation test passphrase';
const PARALLEL = 30;

/**
 * Issue 14 made the gated page cheaper (drafts kept in memory while their files are unchanged, the
 * manifest handed out once per version, the session file read synchronously). SPEC §5 still holds: a
 * disable made by another process (the CLI) acts on the very next request, on both web workers, after
 * both served the same pages many times (every cache warm).
 */
describe('a CLI disable acts on the next request on every worker (WEB_CONCURRENCY=2)', () => {
  let dataDir: string;
  let server: ServerProcess;

  beforeAll(async () => {
    requireBuild();
    if (!fs.existsSync(CLI)) throw new Error('dist/cli.js is missing: run `npm run build` first (npm test does).');
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-revocation-'));
    server = await startServer(dataDir, { WEB_CONCURRENCY: '2' });
    const boss = new HttpClient(server.url);
    const setup = await boss.submit(`/admin/setup?token=${TEST_SETUP_TOKEN}`, '/admin/setup', {
      username: 'boss',
      password: PASSWORD,
      token: TEST_SETUP_TOKEN,
    });
    expect(setup.status).toBe(303);
    const minted = await runCli(dataDir, ['mint-invite']);
    const code = /^Invite code: (\S+)$/m.exec(minted.stdout)?.[1] ?? '';
    const registered = await new HttpClient(server.url).submit(`/register?code=${code}`, '/register', {
      username: 'alice',
      password: PASSWORD,
      inviteCode: code,
    });
    expect(registered.status).toBe(303);
  }, 60_000);

  afterAll(async () => {
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function loggedIn(username: string): Promise<HttpClient> {
    const client = new HttpClient(server.url);
    expect((await client.submit('/login', '/login', { username, password: PASSWORD })).status).toBe(303);
    return client;
  }

  async function finishedJob(client: HttpClient): Promise<string> {
    const created = await client.submit('/', '/generate', { prompt: 'A short brief', count: '2' });
    expect(created.status).toBe(303);
    const id = (created.location ?? '').replace('/result/', '');
    for (let i = 0; i < 200; i++) {
      if (/succeeded/.test((await client.get(`/result/${id}`)).text)) return id;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`job ${id} did not finish`);
  }

  const statuses = async (client: HttpClient, pagePath: string) =>
    (await Promise.all(Array.from({ length: PARALLEL }, () => client.get(pagePath)))).map((r) => r.status);

  it('disable-user: every following request of that user is refused, on both workers; others go on', async () => {
    const alice = await loggedIn('alice');
    const boss = await loggedIn('boss');
    const job = await finishedJob(alice);
    for (let round = 0; round < 3; round++) {
      expect(await statuses(alice, `/result/${job}`)).toEqual(Array(PARALLEL).fill(200));
      expect(await statuses(alice, '/jobs')).toEqual(Array(PARALLEL).fill(200));
    }

    const disabled = await runCli(dataDir, ['disable-user', 'alice']);
    expect(disabled.code).toBe(0);

    const after = await Promise.all(Array.from({ length: PARALLEL }, () => alice.get(`/result/${job}`)));
    expect(after.filter((r) => r.status === 200)).toEqual([]);
    expect(after.every((r) => (r.location ?? '').startsWith('/login'))).toBe(true);
    expect((await statuses(alice, '/jobs')).filter((s) => s === 200)).toEqual([]);
    // Another user's session on the same workers is untouched (and an admin still sees the job).
    expect(await statuses(boss, `/result/${job}`)).toEqual(Array(PARALLEL).fill(200));

    // Enabling again does not bring the old session back: the disable ended it.
    expect((await runCli(dataDir, ['enable-user', 'alice'])).code).toBe(0);
    expect((await statuses(alice, '/jobs')).filter((s) => s === 200)).toEqual([]);
    const again = await loggedIn('alice');
    expect(await statuses(again, `/result/${job}`)).toEqual(Array(PARALLEL).fill(200));
  }, 60_000);
});
