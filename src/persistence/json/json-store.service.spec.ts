import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AppConfig } from '../../config/app-config';
import { JsonStore, MAX_TRANSIENT_FILES } from './json-store.service';

describe('JsonStore', () => {
  let dir: string;
  let store: JsonStore;
  const options = { empty: () => ({ n: 0 }) };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-jsonstore-'));
    store = new JsonStore({ dataDir: dir } as AppConfig);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('hands out one shared instance per file', () => {
    expect(store.file('a.json', options)).toBe(store.file('a.json', options));
  });

  it('refuses paths outside DATA_DIR', () => {
    expect(() => store.file('../escape.json', options)).toThrow(/escapes DATA_DIR/);
    expect(() => store.resolve('/etc/passwd')).toThrow(/escapes DATA_DIR/);
  });

  it('keeps at most MAX_TRANSIENT_FILES transient files, dropping the least recently used', () => {
    const first = store.file('jobs/first.json', { ...options, transient: true });
    const kept = store.file('jobs/kept.json', { ...options, transient: true });
    for (let i = 0; i < MAX_TRANSIENT_FILES - 2; i++) store.file(`jobs/${i}.json`, { ...options, transient: true });
    expect(store.file('jobs/kept.json', { ...options, transient: true })).toBe(kept); // a hit refreshes it
    store.file('jobs/one-more.json', { ...options, transient: true });
    expect(store.file('jobs/kept.json', { ...options, transient: true })).toBe(kept);
    expect(store.file('jobs/first.json', { ...options, transient: true })).not.toBe(first);
  });

  it('never drops a transient file with a write in flight', async () => {
    const busy = store.file<{ n: number }>('jobs/busy.json', { ...options, transient: true });
    const writing = busy.update((d) => {
      d.n = 1;
    });
    for (let i = 0; i < MAX_TRANSIENT_FILES + 5; i++) store.file(`jobs/${i}.json`, { ...options, transient: true });
    expect(store.file('jobs/busy.json', { ...options, transient: true })).toBe(busy);
    await writing;
  });
});
