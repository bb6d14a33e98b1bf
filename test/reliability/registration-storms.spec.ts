import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { requireBuild } from '../helpers/dist';
import { HttpClient, ServerProcess, startServer } from '../helpers/server-process';
import { TEST_SETUP_TOKEN } from '../helpers/test-app';

const PASSWORD = 'a perfectly fine passphrase';

/** Seeds invites straight into invites.json before the server starts (prototype-compatible shape). */
function seedInvites(dataDir: string, codes: string[]): void {
  const now = new Date().toISOString();
  fs.writeFileSync(
    path.join(dataDir, 'invites.json'),
    JSON.stringify({
      codes: codes.map((code) => ({
        code,
        note: 'storm',
        used: false,
        role: 'user',
        max_uses: 1,
        uses: 0,
        created_at: now,
        used_by: [],
      })),
    }),
  );
}

function readUsers(dataDir: string): Array<{ username: string }> {
  return JSON.parse(fs.readFileSync(path.join(dataDir, 'users.json'), 'utf8')).users;
}

async function registerOnce(base: string, username: string, code: string) {
  const client = new HttpClient(base);
  const res = await client.submit(`/register?code=${code}`, '/register', {
    username,
    password: PASSWORD,
    inviteCode: code,
  });
  return { client, status: res.status };
}

for (const workers of ['1', '2']) {
  describe(`registration storms against the real server (WEB_CONCURRENCY=${workers})`, () => {
    let dataDir: string;
    let server: ServerProcess | undefined;

    beforeAll(() => requireBuild());
    beforeEach(() => {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-storm-'));
    });
    afterEach(async () => {
      await server?.stop('SIGKILL');
      server = undefined;
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('20 concurrent registrations on one invite make exactly one account', async () => {
      seedInvites(dataDir, ['one-shared-code']);
      server = await startServer(dataDir, { WEB_CONCURRENCY: workers });
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => registerOnce(server!.url, `racer${i}`, 'one-shared-code')),
      );
      expect(results.filter((r) => r.status === 303)).toHaveLength(1);
      expect(readUsers(dataDir).filter((u) => u.username.startsWith('racer'))).toHaveLength(1);
    });

    it('50 concurrent registrations on 50 invites make 50 accounts, none lost', async () => {
      const codes = Array.from({ length: 50 }, (_, i) => `storm-code-${i}`);
      seedInvites(dataDir, codes);
      server = await startServer(dataDir, { WEB_CONCURRENCY: workers });
      const results = await Promise.all(codes.map((code, i) => registerOnce(server!.url, `member${i}`, code)));
      expect(results.map((r) => r.status)).toEqual(Array(50).fill(303));
      expect(readUsers(dataDir)).toHaveLength(50);
      const invites = JSON.parse(fs.readFileSync(path.join(dataDir, 'invites.json'), 'utf8')).codes;
      expect(invites.every((c: { uses: number }) => c.uses === 1)).toBe(true);
    });

    it('SIGKILL during a registration storm: restart, every file parses, every acknowledged account logs in', async () => {
      const codes = Array.from({ length: 200 }, (_, i) => `kill-code-${i}`);
      seedInvites(dataDir, codes);
      server = await startServer(dataDir, { WEB_CONCURRENCY: workers });
      const acknowledged: string[] = [];
      const storm = codes.map(async (code, i) => {
        try {
          const { status } = await registerOnce(server!.url, `victim${i}`, code);
          if (status === 303) acknowledged.push(`victim${i}`);
        } catch {
          // the server died under this request: not acknowledged
        }
      });
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          if (acknowledged.length >= 20) {
            clearInterval(timer);
            resolve();
          }
        }, 5);
      });
      // Kill the whole process group: primary and workers.
      if (workers === '2') process.kill(server.child.pid!, 'SIGKILL');
      await server.stop('SIGKILL');
      await Promise.all(storm);
      if (workers === '2') await new Promise((r) => setTimeout(r, 500)); // orphaned workers notice and exit

      for (const file of fs.readdirSync(dataDir).filter((f) => f.endsWith('.json'))) {
        expect(() => JSON.parse(fs.readFileSync(path.join(dataDir, file), 'utf8'))).not.toThrow();
      }
      server = await startServer(dataDir, { WEB_CONCURRENCY: workers });
      expect(acknowledged.length).toBeGreaterThanOrEqual(20);
      for (const username of acknowledged) {
        const client = new HttpClient(server.url);
        const res = await client.submit('/login', '/login', { username, password: PASSWORD });
        expect({ username, status: res.status }).toEqual({ username, status: 303 });
      }
      // No invite was used twice, and no account exists without its invite use.
      const users = readUsers(dataDir);
      const invites = JSON.parse(fs.readFileSync(path.join(dataDir, 'invites.json'), 'utf8')).codes;
      const used = invites.filter((c: { uses: number }) => c.uses > 0).length;
      expect(users.length).toBeLessThanOrEqual(used);
      expect(invites.every((c: { uses: number }) => c.uses <= 1)).toBe(true);
    }, 60_000);
  });
}

describe('setup token in cluster mode', () => {
  it('one token works on every worker (WEB_CONCURRENCY=2)', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-cluster-'));
    const server = await startServer(dataDir, { WEB_CONCURRENCY: '2', ADMIN_SETUP_TOKEN: '' });
    try {
      const deadline = Date.now() + 10_000;
      while (!/setup\?token=([A-Za-z0-9_-]+)/.test(server.output()) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const token = /setup\?token=([A-Za-z0-9_-]+)/.exec(server.output())![1];
      expect(token).not.toBe(TEST_SETUP_TOKEN);
      expect(server.output().match(/setup\?token=/g)).toHaveLength(1);
      const client = new HttpClient(server.url);
      const res = await client.submit(`/admin/setup?token=${token}`, '/admin/setup', {
        username: 'boss',
        password: PASSWORD,
        token,
      });
      expect(res.status).toBe(303);
    } finally {
      await server.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
