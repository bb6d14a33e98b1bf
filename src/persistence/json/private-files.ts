import * as fs from 'node:fs';
import * as path from 'node:path';

/** DATA_DIR is private to the app's user (SPEC §7): folders 0700, files 0600. */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * The `fs` that proper-lockfile uses: its lock is a folder made with mkdir, created private like
 * every other folder under DATA_DIR (the process umask may be looser: tests create apps in-process).
 */
export const privateLockFs = {
  ...fs,
  mkdir: (dir: fs.PathLike, callback: (err: NodeJS.ErrnoException | null) => void) =>
    fs.mkdir(dir, { mode: PRIVATE_DIR_MODE }, (err) => callback(err)),
};

/**
 * Walks `root` (without following symlinks) and sets every folder to 0700 and every regular file to
 * 0600 that is not so already: data written before these modes were enforced, or copied in by hand.
 * Iterative (an explicit stack), synchronous (it runs once, before anything reads the files).
 * Returns how many it changed. Entries that vanish meanwhile (another process's temp files) are skipped.
 */
export function tightenPermissions(root: string): number {
  let changed = 0;
  const stack = [root];
  while (stack.length > 0) {
    const current = stack.pop() as string;
    const stat = fs.lstatSync(current, { throwIfNoEntry: false });
    if (!stat) continue;
    const wanted = stat.isDirectory() ? PRIVATE_DIR_MODE : stat.isFile() ? PRIVATE_FILE_MODE : undefined;
    if (wanted === undefined) continue; // symlinks, sockets: left alone
    if ((stat.mode & 0o777) !== wanted) {
      try {
        fs.chmodSync(current, wanted);
        changed++;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    if (stat.isDirectory()) {
      let names: string[];
      try {
        names = fs.readdirSync(current);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      for (const name of names) stack.push(path.join(current, name));
    }
  }
  return changed;
}
