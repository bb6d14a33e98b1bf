import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { requireBuild } from '../helpers/dist';
import { eventually } from '../helpers/generation-helpers';
import { HttpClient, ServerProcess, startServer } from '../helpers/server-process';
import { TEST_SETUP_TOKEN } from '../helpers/test-app';

const PASSWORD = 'cluster admin passphrase';
const ROUNDS = 12;

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

  /** The /api/jobs access lines logged from `offset` of stdout on, once `count` of them are there. */
  async function apiLinesFrom(offset: number, count: number): Promise<AccessLine[]> {
    return eventually(() => {
      const lines = server
        .stdout()
        .slice(offset)
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as AccessLine)
        .filter((line) => line.context === 'Access' && line.path === '/api/jobs');
      return lines.length >= count ? lines : undefined;
    });
  }

  it('a token made on one worker works on both at once; revoked, it fails on both at once', async () => {
    const created = await admin.submit('/account', '/account/tokens', { name: 'cluster', expiresInDays: '1' });
    expect(created.status).toBe(200);
    const secret = /data-testid="token-secret">([^<]+)</.exec(created.text)?.[1] ?? '';
    expect(secret).toMatch(/^gat_/);
    const bearer = { Authorization: `Bearer ${secret}` };

    // Straight after the create, on fresh connections: both workers answer, and both accept it.
    let offset = server.stdout().length;
    const accepted = [];
    for (let i = 0; i < ROUNDS; i++) accepted.push(await freshGet(server.url, '/api/jobs', bearer));
    expect(accepted).toEqual(Array(ROUNDS).fill(200));
    const okLines = await apiLinesFrom(offset, ROUNDS);
    expect(new Set(okLines.map((l) => l.pid)).size).toBe(2);
    expect(okLines.every((l) => l.status === 200)).toBe(true);

    // Revoke on whichever worker the session lands on; at once, neither accepts it.
    const id = /action="\/account\/tokens\/([^/]+)\/revoke"/.exec((await admin.get('/account')).text)?.[1];
    expect(id).toBeDefined();
    const revoked = await admin.submit('/account', `/account/tokens/${id}/revoke`, {});
    expect(revoked.status).toBe(303);
    offset = server.stdout().length;
    const refused = [];
    for (let i = 0; i < ROUNDS; i++) refused.push(await freshGet(server.url, '/api/jobs', bearer));
    expect(refused).toEqual(Array(ROUNDS).fill(401));
    const refusedLines = await apiLinesFrom(offset, ROUNDS);
    expect(new Set(refusedLines.map((l) => l.pid)).size).toBe(2);
    expect(refusedLines.every((l) => l.status === 401)).toBe(true);
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
