import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JsonFile } from './json-file';
import { assertObjectWithArray } from './shapes';
import { CorruptDataFileError } from './store-errors';

interface Items {
  items: number[];
}

const options = { empty: () => ({ items: [] as number[] }), validate: assertObjectWithArray('items') };

describe('JsonFile', () => {
  let dir: string;
  let filePath: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-store-'));
    filePath = path.join(dir, 'items.json');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a read never answers with an older reload that finished after it started (issue 20)', async () => {
    // Another process writes version 1, then 2. Read A starts on version 1; the file is replaced by
    // version 2 (acknowledged elsewhere); read B starts. A's slower disk read completes first.
    const writer = new JsonFile<Items>(filePath, options);
    await writer.update((d) => d.items.push(1));
    const reader = new JsonFile<Items>(filePath, options);
    const realReadFile = fs.promises.readFile;
    const gates: Array<() => void> = [];
    const spy = jest.spyOn(fs.promises, 'readFile').mockImplementation(async (...args: unknown[]) => {
      const text = await (realReadFile as (...a: unknown[]) => Promise<string>)(...args);
      await new Promise<void>((resolve) => gates.push(resolve));
      return text;
    });
    try {
      const readA = reader.read();
      await until(() => gates.length === 1);
      spy.mockRestore(); // the writer's own refresh reads normally
      await writer.update((d) => d.items.push(2));
      jest.spyOn(fs.promises, 'readFile').mockImplementation(async (...args: unknown[]) => {
        const text = await (realReadFile as (...a: unknown[]) => Promise<string>)(...args);
        await new Promise<void>((resolve) => gates.push(resolve));
        return text;
      });
      const readB = reader.read();
      await until(() => gates.length === 2);
      gates[0](); // A (version 1) lands first
      expect((await readA).items).toEqual([1]);
      gates[1]();
      expect((await readB).items).toEqual([1, 2]);
      expect((await reader.read()).items).toEqual([1, 2]);
    } finally {
      jest.restoreAllMocks();
    }
  });

  it('creates a missing file with the empty shape', async () => {
    const file = new JsonFile<Items>(filePath, options);
    expect(await file.load()).toEqual({ items: [] });
    expect(JSON.parse(fs.readFileSync(filePath, 'utf8'))).toEqual({ items: [] });
  });

  it('keeps all 500 concurrent mutations', async () => {
    const file = new JsonFile<Items>(filePath, options);
    await Promise.all(Array.from({ length: 500 }, (_, i) => file.update((d) => d.items.push(i))));
    const onDisk = JSON.parse(fs.readFileSync(filePath, 'utf8')) as Items;
    expect(onDisk.items).toHaveLength(500);
    expect(new Set(onDisk.items).size).toBe(500);
  });

  it('resolves a mutation with its return value once written', async () => {
    const file = new JsonFile<Items>(filePath, options);
    const length = await file.update((d) => d.items.push(7));
    expect(length).toBe(1);
    expect(JSON.parse(fs.readFileSync(filePath, 'utf8'))).toEqual({ items: [7] });
  });

  it('a mutation that throws changes nothing, and its neighbours in the batch still land', async () => {
    const file = new JsonFile<Items>(filePath, options);
    await file.update((d) => d.items.push(1));
    const results = await Promise.allSettled([
      file.update((d) => d.items.push(2)),
      file.update((d) => {
        d.items.push(99); // partial change before the refusal must vanish
        throw new Error('refused');
      }),
      file.update((d) => d.items.push(3)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe('refused');
    expect(JSON.parse(fs.readFileSync(filePath, 'utf8')).items).toEqual([1, 2, 3]);
    expect((await file.read()).items).toEqual([1, 2, 3]);
  });

  it('a read during a write never returns the change before it is on disk', async () => {
    const file = new JsonFile<Items>(filePath, options);
    await file.load();
    let settled = false;
    const writing = file.update((d) => d.items.push(42)).finally(() => (settled = true));
    while (!settled) {
      const seen = await file.read();
      if (seen.items.includes(42)) {
        expect(JSON.parse(fs.readFileSync(filePath, 'utf8')).items).toEqual([42]);
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    await writing;
    expect((await file.read()).items).toEqual([42]);
  });

  it('refuses a corrupt file, naming it, and leaves its bytes unchanged', async () => {
    fs.writeFileSync(filePath, '{"items": [1, 2');
    const before = fs.readFileSync(filePath);
    const file = new JsonFile<Items>(filePath, options);
    await expect(file.load()).rejects.toThrow(CorruptDataFileError);
    await expect(file.load()).rejects.toThrow(filePath);
    await expect(file.update((d) => d.items.push(1))).rejects.toThrow(CorruptDataFileError);
    expect(fs.readFileSync(filePath).equals(before)).toBe(true);
  });

  it('refuses valid JSON of the wrong shape', async () => {
    fs.writeFileSync(filePath, '{"users": []}');
    await expect(new JsonFile<Items>(filePath, options).load()).rejects.toThrow(/"items" to be an array/);
  });

  it('sees a change written by another instance (another process) and merges into it', async () => {
    const a = new JsonFile<Items>(filePath, options);
    const b = new JsonFile<Items>(filePath, options);
    await a.update((d) => d.items.push(1));
    expect((await b.read()).items).toEqual([1]);
    await b.update((d) => d.items.push(2));
    expect((await a.read()).items).toEqual([1, 2]);
    await a.update((d) => d.items.push(3));
    expect(JSON.parse(fs.readFileSync(filePath, 'utf8')).items).toEqual([1, 2, 3]);
  });

  it('stamps every version with its own, increasing mtime (coarse kernel clocks cannot make two look alike)', async () => {
    const writer = new JsonFile<Items>(filePath, { ...options, durable: false }); // fast writes, < 1 ms apart
    const reader = new JsonFile<Items>(filePath, options);
    await writer.load();
    let previous = fs.statSync(filePath).mtimeMs;
    for (let i = 100; i < 150; i++) {
      await writer.update((d) => {
        d.items = [i]; // same byte length every time
      });
      const mtime = fs.statSync(filePath).mtimeMs;
      expect(mtime).toBeGreaterThanOrEqual(previous + 1);
      previous = mtime;
      expect((await reader.read()).items).toEqual([i]);
    }
  });

  it('two instances mutating concurrently lose nothing (cross-process lock path)', async () => {
    const a = new JsonFile<Items>(filePath, options);
    const b = new JsonFile<Items>(filePath, options);
    await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).update((d) => d.items.push(i))));
    expect(JSON.parse(fs.readFileSync(filePath, 'utf8')).items.sort((x: number, y: number) => x - y)).toEqual(
      Array.from({ length: 100 }, (_, i) => i),
    );
  });

  it('leaves no temp or lock files behind', async () => {
    const file = new JsonFile<Items>(filePath, options);
    await Promise.all(Array.from({ length: 20 }, (_, i) => file.update((d) => d.items.push(i))));
    await file.flush();
    expect(fs.readdirSync(dir)).toEqual(['items.json']);
  });
});

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 1));
}
