import * as fs from 'node:fs';
import * as path from 'node:path';
import * as lockfile from 'proper-lockfile';
import { PRIVATE_DIR_MODE, privateLockFs } from './private-files';

const LOCK_OPTIONS: lockfile.LockOptions = {
  realpath: false,
  stale: 5000,
  update: 1000,
  retries: { retries: 1000, factor: 1.2, minTimeout: 2, maxTimeout: 25, randomize: true },
  onCompromised: () => undefined,
  fs: privateLockFs,
};

/**
 * Runs critical sections one at a time, in this process (a promise chain) and across processes
 * sharing DATA_DIR (a lock file). For check-then-act steps that span several files, e.g.
 * "redeem an invite and create the user" or "check the quota and create the job".
 */
export class CrossProcessMutex {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly lockPath: string) {}

  run<R>(critical: () => Promise<R>): Promise<R> {
    const result = this.tail.then(() => this.runLocked(critical));
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async runLocked<R>(critical: () => Promise<R>): Promise<R> {
    await fs.promises.mkdir(path.dirname(this.lockPath), { recursive: true, mode: PRIVATE_DIR_MODE });
    const release = await lockfile.lock(this.lockPath, { ...LOCK_OPTIONS, lockfilePath: this.lockPath });
    try {
      return await critical();
    } finally {
      await release().catch(() => undefined);
    }
  }
}
