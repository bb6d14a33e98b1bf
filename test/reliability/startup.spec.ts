import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DIST_MAIN, requireBuild } from '../helpers/dist';

function start(env: Record<string, string>) {
  return spawnSync(process.execPath, [DIST_MAIN], {
    env: { PATH: process.env.PATH ?? '', GATEHOUSE_IGNORE_ENV_FILE: '1', PORT: '0', ...env },
    encoding: 'utf8',
    timeout: 20000,
  });
}

describe('start-up refusals', () => {
  let dir: string;
  beforeAll(() => requireBuild());
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-start-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('an invalid variable stops start-up with one line naming it', () => {
    const result = start({ DATA_DIR: dir, BCRYPT_COST: '99' });
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('BCRYPT_COST');
  });

  it.each(['users.json', 'invites.json', 'sessions.json', 'throttle.json', 'usage.json', 'jobs/index.json'])(
    'a corrupt %s stops start-up naming it, bytes unchanged',
    (name) => {
      const file = path.join(dir, name);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, '{"users": [ {"username": "a"');
      const before = fs.readFileSync(file);
      const result = start({ DATA_DIR: dir });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(file);
      expect(fs.readFileSync(file).equals(before)).toBe(true);
    },
  );
});
