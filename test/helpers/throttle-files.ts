import * as fs from 'node:fs';
import * as path from 'node:path';

/** DATA_DIR/throttle/: one `{ key, counter }` file per key. */
function counterFiles(dataDir: string): string[] {
  const dir = path.join(dataDir, 'throttle');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => path.join(dir, name));
}

/**
 * The live counters stored under DATA_DIR (what throttle.json's `counters` was), by key: those that
 * expired by `now` are left out (they are absent to every change and removed by the sweep).
 */
export function storedCounters(dataDir: string, now: number): Record<string, { count: number; expiresAt: number }> {
  const counters: Record<string, { count: number; expiresAt: number }> = {};
  for (const file of counterFiles(dataDir)) {
    const { key, counter } = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (counter.expiresAt > now) counters[key] = counter;
  }
  return counters;
}

/** Every counter file's name and mtime: unchanged means nothing was written. */
export function counterFilesStamp(dataDir: string): string {
  return counterFiles(dataDir)
    .sort()
    .map((file) => `${path.basename(file)}@${fs.statSync(file).mtimeMs}`)
    .join('\n');
}
