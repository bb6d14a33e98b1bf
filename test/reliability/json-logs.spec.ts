import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DIST_MAIN, requireBuild } from '../helpers/dist';
import { startServer } from '../helpers/server-process';

type LogLine = Record<string, unknown> & { time: string; level: string; context: string; message: string };

/** Every line must be one JSON object with time, level, context and message (SPEC §3 LOG_FORMAT=json). */
function parseLines(text: string): LogLine[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        throw new Error(`not a JSON line: ${line}`);
      }
      expect(parsed).toEqual(
        expect.objectContaining({
          time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          level: expect.any(String),
          context: expect.any(String),
          message: expect.anything(),
        }),
      );
      return parsed as LogLine;
    });
}

describe('LOG_FORMAT=json (node dist/main.js)', () => {
  let dir: string;
  beforeAll(() => requireBuild());
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-jsonlog-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['one process', {}],
    ['a cluster primary and two workers', { WEB_CONCURRENCY: '2' }],
  ])(
    '%s: every stdout and stderr line is a JSON object: start-up, access, shutdown',
    async (_, env) => {
      const server = await startServer(dir, { LOG_FORMAT: 'json', ...env });
      // In a cluster /healthz may answer from worker 2 before worker 1 (the one that says where it listens) is up.
      for (let i = 0; i < 200 && !server.stdout().includes('Listening on'); i++)
        await new Promise((r) => setTimeout(r, 50));
      const res = await fetch(`${server.url}/login?next=%2Fjobs%3Fsecret%3DMARK-QUERY`, {
        headers: { cookie: 'tracker=MARK-COOKIE' },
      });
      expect(res.status).toBe(200);
      await res.text();
      await server.stop(); // (a cluster primary re-raises SIGTERM after closing: no exit code to check)

      const lines = [...parseLines(server.stdout()), ...parseLines(server.stderr())];
      expect(lines).toContainEqual(
        expect.objectContaining({
          level: 'info',
          context: 'Gatehouse',
          message: expect.stringMatching(/^Listening on http/),
        }),
      );
      expect(lines).toContainEqual(
        expect.objectContaining({ context: 'Setup', message: expect.stringMatching(/^No admin yet/) }),
      );
      expect(lines).toContainEqual(
        expect.objectContaining({
          level: 'info',
          context: 'Access',
          message: expect.stringMatching(/^GET \/login 200 [\d.]+ms -$/),
          method: 'GET',
          path: '/login',
          status: 200,
          user: '-',
        }),
      );
      expect(lines).toContainEqual(expect.objectContaining({ context: 'Access', path: '/healthz', status: 200 }));
      // the test servers run with BCRYPT_COST=4: warned once, by the single process or the cluster primary
      expect(lines.filter((line) => line.context === 'Config')).toEqual([
        expect.objectContaining({ level: 'warn', message: expect.stringMatching(/^BCRYPT_COST=4 is below 10/) }),
      ]);
      if ('WEB_CONCURRENCY' in env) {
        expect(lines).toContainEqual(
          expect.objectContaining({ context: 'Cluster', message: expect.stringMatching(/2 web workers/) }),
        );
        // the primary and at least the worker that answered (the other may still be starting)
        expect(new Set(lines.map((line) => line.pid)).size).toBeGreaterThanOrEqual(2);
      }
      expect(server.output()).not.toContain('MARK-');
    },
    30_000,
  );

  function start(env: Record<string, string>) {
    return spawnSync(process.execPath, [DIST_MAIN], {
      env: { PATH: process.env.PATH ?? '', GATEHOUSE_IGNORE_ENV_FILE: '1', PORT: '0', DATA_DIR: dir, ...env },
      encoding: 'utf8',
      timeout: 20000,
    });
  }

  it('a start-up refusal is JSON too (a corrupt data file)', () => {
    fs.writeFileSync(path.join(dir, 'users.json'), '{"users": [');
    const result = start({ LOG_FORMAT: 'json' });
    expect(result.status).toBe(1);
    const lines = [...parseLines(result.stdout), ...parseLines(result.stderr)];
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'fatal',
        message: expect.stringMatching(/^Gatehouse cannot start: .*users\.json/),
      }),
    );
  });

  it("Node's own lines are JSON too: a process warning, and an uncaught exception (which still exits 1)", () => {
    const preload = path.join(__dirname, '..', 'fixtures', 'crash-on-start.js');
    const result = start({ LOG_FORMAT: 'json', NODE_OPTIONS: `--require ${preload}` });
    expect(result.status).toBe(1);
    const lines = [...parseLines(result.stdout), ...parseLines(result.stderr)];
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'warn', context: 'Process', message: 'Warning: a deliberate warning' }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        context: 'Process',
        message: 'Uncaught exception: deliberate crash',
        stack: expect.stringContaining('crash-on-start.js'),
      }),
    );
  });

  it('an invalid LOG_FORMAT stops start-up with one plain line naming it', () => {
    const result = start({ LOG_FORMAT: 'xml' });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([
      'Gatehouse cannot start: Invalid environment variable LOG_FORMAT="xml": expected one of text, json',
    ]);
  });
});
