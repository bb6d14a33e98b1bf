import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { requireBuild } from '../helpers/dist';
import { eventually } from '../helpers/generation-helpers';
import { HttpClient, ServerProcess, startServer } from '../helpers/server-process';
import { TEST_SETUP_TOKEN } from '../helpers/test-app';

const PASSWORD = 'cluster admin passphrase';
/** Enough fresh connections for both workers to answer, whatever order the primary hands them out in. */
const MAX_ROUNDS = 40;

/** One GET on a connection of its own (node:cluster hands new connections to the workers in turn). */
function freshGet(base: string, urlPath: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}${urlPath}`, { agent: false, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}

interface AccessLine {
  context: string;
  method: string;
  path: string;
  status: number;
  pid: number;
}

/**
 * WEB_CONCURRENCY=2 over one DATA_DIR (api-tokens.json shared by both workers): a token created on one
 * worker is accepted by the other at once, and once revoked it is refused by both at once — no cache
 * may serve a revoked token. Which worker answered is read from the JSON access log (its pid).
 */
describe('API tokens across two web workers', () => {
  let dataDir: string;
  let server: ServerProcess;
  let admin: HttpClient;

  beforeAll(async () => {
    requireBuild();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-token-workers-'));
    server = await startServer(dataDir, { WEB_CONCURRENCY: '2', LOG_FORMAT: 'json' });
    admin = new HttpClient(server.url);
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

  /** The /api/jobs access lines logged from `offset` of stdout on. */
  function apiLinesFrom(offset: number): AccessLine[] {
    return server
      .stdout()
      .slice(offset)
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as AccessLine)
      .filter((line) => line.context === 'Access' && line.path === '/api/jobs');
  }

  /**
   * GET /api/jobs on fresh connections until both workers have answered (read from the access log): every
   * answer's status, and the access lines of those requests once all are logged.
   */
  async function callBothWorkers(
    headers: Record<string, string>,
  ): Promise<{ statuses: number[]; lines: AccessLine[] }> {
    const offset = server.stdout().length;
    const statuses: number[] = [];
    while (statuses.length < MAX_ROUNDS) {
      statuses.push(await freshGet(server.url, '/api/jobs', headers));
      if (statuses.length >= 4 && new Set(apiLinesFrom(offset).map((l) => l.pid)).size >= 2) break;
    }
    const lines = await eventually(() => {
      const logged = apiLinesFrom(offset);
      return logged.length >= statuses.length ? logged : undefined;
    });
    return { statuses, lines };
  }

  it('a token made on one worker works on both at once; revoked, it fails on both at once', async () => {
    const created = await admin.submit('/account', '/account/tokens', { name: 'cluster', expiresInDays: '1' });
    expect(created.status).toBe(200);
    const secret = /data-testid="token-secret">([^<]+)</.exec(created.text)?.[1] ?? '';
    expect(secret).toMatch(/^gat_/);
    const bearer = { Authorization: `Bearer ${secret}` };

    // Straight after the create, on fresh connections: both workers answer, and both accept it.
    const accepted = await callBothWorkers(bearer);
    expect(accepted.statuses).toEqual(accepted.statuses.map(() => 200));
    expect(new Set(accepted.lines.map((l) => l.pid)).size).toBe(2);
    expect(accepted.lines.every((l) => l.status === 200)).toBe(true);

    // Revoke on whichever worker the session lands on; at once, neither accepts it.
    const id = /action="\/account\/tokens\/([^/]+)\/revoke"/.exec((await admin.get('/account')).text)?.[1];
    expect(id).toBeDefined();
    const revoked = await admin.submit('/account', `/account/tokens/${id}/revoke`, {});
    expect(revoked.status).toBe(303);
    const refused = await callBothWorkers(bearer);
    expect(refused.statuses).toEqual(refused.statuses.map(() => 401));
    expect(new Set(refused.lines.map((l) => l.pid)).size).toBe(2);
    expect(refused.lines.every((l) => l.status === 401)).toBe(true);
  }, 60_000);

  it('the raw token is in no file under DATA_DIR and not in the log', async () => {
    const created = await admin.submit('/account', '/account/tokens', { name: 'scan' });
    const secret = /data-testid="token-secret">([^<]+)</.exec(created.text)?.[1] ?? '';
    expect(await freshGet(server.url, '/api/jobs', { Authorization: `Bearer ${secret}` })).toBe(200);
    const scan = (dir: string): string =>
      fs
        .readdirSync(dir, { withFileTypes: true })
        .map((e) =>
          e.isDirectory() ? scan(path.join(dir, e.name)) : fs.readFileSync(path.join(dir, e.name), 'latin1'),
        )
        .join('\n');
    expect(scan(dataDir)).not.toContain(secret.slice(4));
    expect(server.output()).not.toContain(secret.slice(4));
  });
});
