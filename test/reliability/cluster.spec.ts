import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { requireBuild } from '../helpers/dist';
import { HttpClient, ServerProcess, startServer } from '../helpers/server-process';
import { TEST_SETUP_TOKEN } from '../helpers/test-app';

const PASSWORD = 'cluster admin passphrase';

/** WEB_CONCURRENCY=2: two HTTP workers share DATA_DIR; state must stay correct across them. */
describe('two web workers over one DATA_DIR', () => {
  let dataDir: string;
  let server: ServerProcess;

  beforeAll(async () => {
    requireBuild();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-workers-'));
    server = await startServer(dataDir, {
      WEB_CONCURRENCY: '2',
      LOGIN_MAX_FAILURES: '5',
      LOGIN_MAX_FAILURES_PER_IP: '1000',
    });
    const admin = new HttpClient(server.url);
    await admin.submit(`/admin/setup?token=${TEST_SETUP_TOKEN}`, '/admin/setup', {
      username: 'boss',
      password: PASSWORD,
      token: TEST_SETUP_TOKEN,
    });
  }, 30_000);

  afterAll(async () => {
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs two worker processes', () => {
    expect(server.output()).toMatch(/2 web workers/);
  });

  it('a session made on one worker is honoured by the other (many parallel connections)', async () => {
    const client = new HttpClient(server.url);
    expect((await client.submit('/login', '/login', { username: 'boss', password: PASSWORD })).status).toBe(303);
    const results = await Promise.all(Array.from({ length: 30 }, () => client.get('/account/password')));
    expect(results.map((r) => r.status)).toEqual(Array(30).fill(200));
  });

  let checkedFailures = 0;

  it('login failures are counted across workers: the limit holds in total, not per worker', async () => {
    const attempts = await Promise.all(
      Array.from({ length: 5 }, () =>
        new HttpClient(server.url).submit('/login', '/login', { username: 'boss', password: 'wrong-password' }),
      ),
    );
    // Each is a checked failure (401), or, if it overlapped too many checks of this username on its worker,
    // refused at once (429) and still counted: either way 5 attempts count.
    expect(attempts.every((a) => a.status === 401 || a.status === 429)).toBe(true);
    checkedFailures = attempts.filter((a) => a.status === 401).length;
    expect(checkedFailures).toBeGreaterThanOrEqual(1);
    const locked = await Promise.all(
      Array.from({ length: 6 }, () =>
        new HttpClient(server.url).submit('/login', '/login', { username: 'boss', password: PASSWORD }),
      ),
    );
    expect(locked.map((a) => a.status)).toEqual(Array(6).fill(429));
  });

  it('the audit log stays whole: every line parses and no event is lost', async () => {
    const lines = fs.readFileSync(path.join(dataDir, 'audit.jsonl'), 'utf8').trim().split('\n');
    const events = lines.map((line) => JSON.parse(line));
    expect(events.filter((e) => e.event === 'login.failure')).toHaveLength(checkedFailures);
    // The lock is audited once, by whichever worker refused first, not once per refused attempt.
    expect(events.filter((e) => e.event === 'login.throttled')).toHaveLength(1);
  });
});
