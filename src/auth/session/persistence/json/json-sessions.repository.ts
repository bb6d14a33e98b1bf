import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { Clock } from '../../../../common/clock/clock';
import { JsonStore } from '../../../../persistence/json/json-store.service';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../../../../persistence/json/private-files';
import { CorruptDataFileError } from '../../../../persistence/json/store-errors';
import { SessionsRepository, StoredSession } from '../../sessions.repository';

/** The folder of session files under DATA_DIR, and the single file that older versions wrote. */
export const SESSIONS_DIR = 'sessions';
export const LEGACY_SESSIONS_FILE = 'sessions.json';

/** How many session files the sweep reads at once (bounded: the folder may hold 100k files). */
const SWEEP_BATCH = 64;

/**
 * One file per session: `sessions/<sha256 of the id>.json`, written atomically (temp file + rename,
 * mode 0600), so a write costs the same with 10 or 100,000 sessions and two workers writing different
 * sessions never wait on one lock. Two writes of the same session race as they always did with
 * express-session (the last one wins); neither can leave a partial file. The file name is a hash:
 * the id comes from a cookie, and the folder listing does not hand out live session ids.
 *
 * No cache: every worker process reads the file, so a logout or a "sign out everywhere" done by one
 * worker holds in the others at once. Writes skip fsync (a power cut costs a re-login, not an account).
 */
@Injectable()
export class JsonSessionsRepository extends SessionsRepository implements OnModuleInit {
  private readonly logger = new Logger('Sessions');
  private readonly dir: string;
  private dirReady: Promise<void> | undefined;

  constructor(
    private readonly store: JsonStore,
    private readonly clock: Clock,
  ) {
    super();
    this.dir = store.resolve(SESSIONS_DIR);
  }

  /** Start-up: splits a sessions.json of an older version into files, so nobody is logged out. */
  async onModuleInit(): Promise<void> {
    await this.migrateLegacyFile();
  }

  async find(sid: string, now: number): Promise<StoredSession | undefined> {
    const session = await this.read(this.fileOf(sid));
    return session && session.expiresAt > now ? session : undefined;
  }

  async save(sid: string, session: StoredSession): Promise<void> {
    await this.ensureDir();
    await writeFileAtomic(this.fileOf(sid), JSON.stringify(session), { mode: PRIVATE_FILE_MODE, fsync: false });
  }

  async remove(sid: string): Promise<void> {
    await unlinkIfExists(this.fileOf(sid));
  }

  async sweepExpired(now: number): Promise<number> {
    const files = await this.sessionFiles();
    let removed = 0;
    for (let i = 0; i < files.length; i += SWEEP_BATCH) {
      const batch = files.slice(i, i + SWEEP_BATCH);
      const gone = await Promise.all(
        batch.map(async (file) => {
          const session = await this.read(file);
          if (!session || session.expiresAt > now) return false;
          return unlinkIfExists(file);
        }),
      );
      removed += gone.filter(Boolean).length;
    }
    return removed;
  }

  async count(): Promise<number> {
    return (await this.sessionFiles()).length;
  }

  /**
   * Older versions kept every session in DATA_DIR/sessions.json. Its live sessions become files (an
   * existing file wins: it is newer), then it is removed. Under a cross-process lock, so workers
   * starting together migrate once. A corrupt sessions.json stops start-up naming it, untouched.
   */
  async migrateLegacyFile(): Promise<number> {
    const legacy = this.store.resolve(LEGACY_SESSIONS_FILE);
    if (!fs.existsSync(legacy)) return 0;
    return this.store.mutex('sessions-migration').run(async () => {
      let text: string;
      try {
        text = await fs.promises.readFile(legacy, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0; // another worker migrated it
        throw error;
      }
      const sessions = parseLegacy(legacy, text);
      const now = this.clock.now().getTime();
      let migrated = 0;
      for (const [sid, session] of Object.entries(sessions)) {
        if (session.expiresAt <= now) continue;
        if (fs.existsSync(this.fileOf(sid))) continue;
        await this.save(sid, { data: session.sess, expiresAt: session.expiresAt });
        migrated++;
      }
      await unlinkIfExists(legacy);
      this.logger.log(`Moved ${migrated} live session(s) from ${LEGACY_SESSIONS_FILE} to ${SESSIONS_DIR}/`);
      return migrated;
    });
  }

  private fileOf(sid: string): string {
    return path.join(this.dir, `${createHash('sha256').update(sid).digest('hex')}.json`);
  }

  private ensureDir(): Promise<void> {
    this.dirReady ??= fs.promises
      .mkdir(this.dir, { recursive: true, mode: PRIVATE_DIR_MODE })
      .then(() => undefined)
      .catch((error: unknown) => {
        this.dirReady = undefined;
        throw error;
      });
    return this.dirReady;
  }

  private async sessionFiles(): Promise<string[]> {
    let names: string[];
    try {
      names = await fs.promises.readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    // Temp files of writes in flight (`<name>.json.<n>`) are not sessions.
    return names.filter((name) => name.endsWith('.json')).map((name) => path.join(this.dir, name));
  }

  /** A missing file is no session; so is an unreadable one (it is never returned, and the sweep skips it). */
  private async read(file: string): Promise<StoredSession | undefined> {
    let text: string;
    try {
      text = await fs.promises.readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const parsed = JSON.parse(text) as unknown;
      return isStoredSession(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }
}

interface LegacyEntry {
  sess: Record<string, unknown>;
  expiresAt: number;
}

function parseLegacy(file: string, text: string): Record<string, LegacyEntry> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CorruptDataFileError(file, (error as Error).message);
  }
  const sessions = (parsed as { sessions?: unknown } | null)?.sessions;
  if (!isObject(sessions)) throw new CorruptDataFileError(file, '"sessions" is not an object');
  const entries: Record<string, LegacyEntry> = {};
  for (const [sid, entry] of Object.entries(sessions)) {
    if (!isObject(entry) || !isObject(entry.sess) || typeof entry.expiresAt !== 'number') {
      throw new CorruptDataFileError(file, `session entry has the wrong shape`);
    }
    entries[sid] = { sess: entry.sess, expiresAt: entry.expiresAt };
  }
  return entries;
}

function isStoredSession(value: unknown): value is StoredSession {
  return isObject(value) && isObject(value.data) && typeof value.expiresAt === 'number';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when this call removed the file. */
async function unlinkIfExists(file: string): Promise<boolean> {
  try {
    await fs.promises.unlink(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
