import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { requireBuild } from '../helpers/dist';

const WRITER = path.join(__dirname, '..', 'fixtures', 'store-writer.js');

function run(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? -1));
  });
}

describe('JSON store across processes', () => {
  let dir: string;
  let file: string;

  beforeAll(() => requireBuild());
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-procs-'));
    file = path.join(dir, 'items.json');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('two processes appending 200 records each at once keep all 400', async () => {
    const codes = await Promise.all([run([file, '200', 'a']), run([file, '200', 'b'])]);
    expect(codes).toEqual([0, 0]);
    const items: string[] = JSON.parse(fs.readFileSync(file, 'utf8')).items;
    expect(items).toHaveLength(400);
    expect(new Set(items).size).toBe(400);
  });

  it('a process killed with SIGKILL mid-write-loop leaves a whole file with every acknowledged write', async () => {
    const child = spawn(process.execPath, [WRITER, file, '100000', 'k', 'sequential'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const acknowledged: string[] = [];
    let buffer = '';
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop()!;
        for (const line of lines) if (line.startsWith('ok ')) acknowledged.push(line.slice(3));
        if (acknowledged.length >= 150) resolve();
      });
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));

    const items: string[] = JSON.parse(fs.readFileSync(file, 'utf8')).items; // parses: never a partial file
    const onDisk = new Set(items);
    expect(acknowledged.length).toBeGreaterThanOrEqual(150);
    for (const id of acknowledged) expect(onDisk.has(id)).toBe(true);
  });

  it('after a writer is killed holding the lock, another process still gets through (stale lock)', async () => {
    const child = spawn(process.execPath, [WRITER, file, '100000', 'x', 'sequential'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    expect(await run([file, '5', 'after'])).toBe(0);
    const items: string[] = JSON.parse(fs.readFileSync(file, 'utf8')).items;
    expect(items.filter((i) => i.startsWith('after-'))).toHaveLength(5);
  }, 30000);
});
