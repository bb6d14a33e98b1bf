import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { requireBuild } from '../helpers/dist';
import { HttpClient, startServer } from '../helpers/server-process';

const PASSWORD = 'a perfectly fine passphrase';

describe('graceful shutdown', () => {
  it('SIGTERM during a registration storm: exits 0, and every acknowledged registration is on disk', async () => {
    requireBuild();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-sigterm-'));
    try {
      const codes = Array.from({ length: 60 }, (_, i) => `term-code-${i}`);
      fs.writeFileSync(
        path.join(dataDir, 'invites.json'),
        JSON.stringify({
          codes: codes.map((code) => ({ code, note: '', used: false, max_uses: 1, uses: 0, role: 'user' })),
        }),
      );
      const server = await startServer(dataDir);
      const acknowledged: string[] = [];
      let signalled = false;
      const exit = new Promise<number | null>((resolve) => server.child.on('exit', (code) => resolve(code)));
      await Promise.all(
        codes.map(async (code, i) => {
          try {
            const res = await new HttpClient(server.url).submit(`/register?code=${code}`, '/register', {
              username: `term${i}`,
              password: PASSWORD,
              inviteCode: code,
            });
            if (res.status === 303) acknowledged.push(`term${i}`);
            if (!signalled && acknowledged.length >= 5) {
              signalled = true;
              server.child.kill('SIGTERM');
            }
          } catch {
            // refused after shutdown began: not acknowledged
          }
        }),
      );
      expect(await exit).toBe(0);
      const users: Array<{ username: string }> = JSON.parse(
        fs.readFileSync(path.join(dataDir, 'users.json'), 'utf8'),
      ).users;
      const names = new Set(users.map((u) => u.username));
      expect(acknowledged.length).toBeGreaterThanOrEqual(5);
      for (const name of acknowledged) expect(names.has(name)).toBe(true);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
