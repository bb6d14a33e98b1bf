import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CLI, CliResult, runCli } from '../helpers/cli';
import { requireBuild } from '../helpers/dist';
import { HttpClient, ServerProcess, startServer } from '../helpers/server-process';

/**
 * SPEC §6.3: the CLI works on the same DATA_DIR while the server runs. The real server (two worker
 * processes) registers users on a shared invite while several CLI processes mint invites and list
 * users; afterwards nothing is lost, every count adds up and every file still parses.
 */
const PASSWORD = 'a perfectly fine passphrase';
const REGISTRATIONS = 24;
const CLI_MINTS = 6;

function cli(dataDir: string, args: string[], input = ''): Promise<CliResult> {
  return runCli(dataDir, args, { input });
}

function codeFrom(result: CliResult): string {
  const match = /^Invite code: (\S+)$/m.exec(result.stdout);
  if (!match) throw new Error(`mint-invite failed (${result.code}): ${result.stdout}${result.stderr}`);
  return match[1];
}

function readData<T>(dataDir: string, file: string): T {
  return JSON.parse(fs.readFileSync(path.join(dataDir, file), 'utf8')) as T;
}

/** Runs tasks with at most `limit` in flight. */
async function pool<T>(count: number, limit: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const workers = Array.from({ length: limit }, async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  });
  await Promise.all(workers);
  return results;
}

describe('admin CLI while the server is writing to the same DATA_DIR', () => {
  let dataDir: string;
  let server: ServerProcess | undefined;

  beforeAll(() => {
    requireBuild();
    if (!fs.existsSync(CLI)) throw new Error('dist/cli.js is missing: run `npm run build` first (npm test does).');
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-cli-'));
  });
  afterAll(async () => {
    await server?.stop('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses nothing: registrations over HTTP and CLI mints all land, and each side sees the other', async () => {
    expect((await cli(dataDir, ['create-admin', 'root'], `${PASSWORD}\n`)).code).toBe(0);
    server = await startServer(dataDir, { WEB_CONCURRENCY: '2' });
    const shared = codeFrom(
      await cli(dataDir, ['mint-invite', '--max-uses', String(REGISTRATIONS), '--expires-in-days', '0']),
    );

    const [registrations, mints, listings] = await Promise.all([
      pool(REGISTRATIONS, 6, async (i) => {
        const client = new HttpClient(server!.url);
        const res = await client.submit(`/register?code=${shared}`, '/register', {
          username: `storm${i}`,
          password: PASSWORD,
          inviteCode: shared,
        });
        return res.status;
      }),
      pool(CLI_MINTS, 3, (i) =>
        cli(dataDir, ['mint-invite', '--note', `cli-${i}`, '--role', i % 2 ? 'admin' : 'user']),
      ),
      pool(3, 1, () => cli(dataDir, ['list-users', '--json'])),
    ]);

    expect(registrations).toEqual(new Array(REGISTRATIONS).fill(303));
    for (const mint of mints) expect([mint.code, mint.stderr]).toEqual([0, '']);
    for (const listing of listings) {
      expect(listing.code).toBe(0);
      expect(() => JSON.parse(listing.stdout)).not.toThrow(); // never a torn users.json
    }

    // Nothing lost on disk.
    const users = readData<{ users: Array<{ username: string; invite_code?: string }> }>(dataDir, 'users.json').users;
    const names = users.map((u) => u.username).sort();
    expect(names).toEqual(['root', ...Array.from({ length: REGISTRATIONS }, (_, i) => `storm${i}`)].sort());
    const codes = readData<{ codes: Array<Record<string, unknown>> }>(dataDir, 'invites.json').codes;
    const sharedRecord = codes.find((c) => c.code === shared)!;
    expect(sharedRecord.uses).toBe(REGISTRATIONS);
    expect((sharedRecord.used_by as string[]).slice().sort()).toEqual(names.filter((n) => n !== 'root'));
    const minted = mints.map(codeFrom);
    for (const [i, code] of minted.entries()) {
      expect(codes.find((c) => c.code === code)).toMatchObject({ note: `cli-${i}`, created_by: 'cli', uses: 0 });
    }
    expect(codes).toHaveLength(1 + CLI_MINTS);

    const audit = fs
      .readFileSync(path.join(dataDir, 'audit.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { event: string; actor: string });
    expect(audit.filter((e) => e.event === 'invite.mint' && e.actor === 'cli')).toHaveLength(1 + CLI_MINTS);
    expect(audit.filter((e) => e.event === 'register')).toHaveLength(REGISTRATIONS);

    // The server sees an invite the CLI minted while it was running...
    const late = new HttpClient(server.url);
    const res = await late.submit(`/register?code=${minted[1]}`, '/register', {
      username: 'lateadmin',
      password: PASSWORD,
      inviteCode: minted[1],
    });
    expect(res.status).toBe(303);
    expect((await late.get('/admin')).status).toBe(200); // role admin came from the CLI's invite

    // ...and a CLI disable cuts off a live session on the server at once.
    const storm0 = new HttpClient(server.url);
    expect((await storm0.submit('/login', '/login', { username: 'storm0', password: PASSWORD })).status).toBe(303);
    expect((await storm0.get('/account/password')).status).toBe(200);
    expect((await cli(dataDir, ['disable-user', 'storm0'])).code).toBe(0);
    const cut = await storm0.get('/account/password');
    expect(cut.status).toBe(303);
    expect(cut.location).toBe('/login?next=%2Faccount%2Fpassword');
  });
});
