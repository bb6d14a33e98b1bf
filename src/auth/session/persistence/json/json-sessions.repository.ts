import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import * as fs from 'node:fs';
import { Clock } from '../../../../common/clock/clock';
import { FilePerKeyFolder, isObject, migrateLegacyFile } from '../../../../persistence/json/file-per-key-folder';
import { JsonStore } from '../../../../persistence/json/json-store.service';
import { SessionsRepository, StoredSession } from '../../sessions.repository';

/** The folder of session files under DATA_DIR, and the single file that older versions wrote. */
export const SESSIONS_DIR = 'sessions';
export const LEGACY_SESSIONS_FILE = 'sessions.json';

/** How many session files the sweep reads at once (bounded: the folder may hold 100k files). */
const SWEEP_BATCH = 64;
/** Session files' bytes kept per process for `find` (a session file is a few hundred bytes). */
const SESSION_CACHE = { maxEntryBytes: 16 * 1024, maxTotalBytes: 4 * 1024 * 1024 };

/**
 * One file per session: `sessions/<sha256 of the id>.json`, written atomically (temp file + rename,
 * mode 0600), so a write costs the same with 10 or 100,000 sessions and two workers writing different
 * sessions never wait on one lock. Two writes of the same session race as they always did with
 * express-session (the last one wins); neither can leave a partial file. The file name is a hash:
 * the id comes from a cookie, and the folder listing does not hand out live session ids.
 *
 * Every worker reads the file itself (through a cache checked by one synchronous stat per read: a
 * rewrite or removal by any process is seen on the next read), so a logout or a new CSRF token written
 * by one worker holds in the others at once. Writes skip fsync (a power cut costs a re-login, not an account).
 */
@Injectable()
export class JsonSessionsRepository extends SessionsRepository implements OnModuleInit {
  private readonly logger = new Logger('Sessions');
  private readonly folder: FilePerKeyFolder;

  constructor(
    private readonly store: JsonStore,
    private readonly clock: Clock,
  ) {
    super();
    this.folder = new FilePerKeyFolder(store, SESSIONS_DIR, { cacheReads: SESSION_CACHE });
  }

  /** Start-up: splits a sessions.json of an older version into files, so nobody is logged out. */
  async onModuleInit(): Promise<void> {
    await this.migrateLegacyFile();
  }

  /**
   * An unchanged file costs one synchronous stat; a changed one is read on the thread pool, not
   * synchronously: issue 14 measured a synchronous read here against the thread pool's, and under 50
   * connections the synchronous read gave a tail of seconds (p99 1.3–2.8 s) where the pool's stayed at
   * 0.25–0.5 s (bench/README.md).
   */
  async find(sid: string, now: number): Promise<StoredSession | undefined> {
    const parsed = await this.folder.readCached(this.folder.fileOf(sid));
    const session = isStoredSession(parsed) ? parsed : undefined;
    return session && session.expiresAt > now ? session : undefined;
  }

  async save(sid: string, session: StoredSession): Promise<void> {
    await this.folder.write(this.folder.fileOf(sid), session);
  }

  async remove(sid: string): Promise<void> {
    await this.folder.remove(this.folder.fileOf(sid));
  }

  async sweepExpired(now: number): Promise<number> {
    const files = await this.folder.files();
    let removed = 0;
    for (let i = 0; i < files.length; i += SWEEP_BATCH) {
      const batch = files.slice(i, i + SWEEP_BATCH);
      const gone = await Promise.all(
        batch.map(async (file) => {
          const session = await this.read(file);
          if (!session || session.expiresAt > now) return false;
          return this.folder.remove(file);
        }),
      );
      removed += gone.filter(Boolean).length;
    }
    return removed;
  }

  async count(): Promise<number> {
    return (await this.folder.files()).length;
  }

  /**
   * Older versions kept every session in DATA_DIR/sessions.json. Its live sessions become files (an
   * existing file wins: it is newer), then it is removed. A corrupt sessions.json stops start-up naming it.
   */
  migrateLegacyFile(): Promise<number> {
    const now = this.clock.now().getTime();
    return migrateLegacyFile(this.store, {
      file: LEGACY_SESSIONS_FILE,
      property: 'sessions',
      folder: SESSIONS_DIR,
      logger: this.logger,
      isEntry: isLegacyEntry,
      move: async (sid, entry) => {
        if (entry.expiresAt <= now || fs.existsSync(this.folder.fileOf(sid))) return false;
        await this.save(sid, { data: entry.sess, expiresAt: entry.expiresAt });
        return true;
      },
    });
  }

  /** A missing file is no session; so is an unreadable one (it is never returned, and the sweep skips it). */
  private async read(file: string): Promise<StoredSession | undefined> {
    const parsed = await this.folder.read(file);
    return isStoredSession(parsed) ? parsed : undefined;
  }
}

interface LegacyEntry {
  sess: Record<string, unknown>;
  expiresAt: number;
}

function isLegacyEntry(value: unknown): value is LegacyEntry {
  return isObject(value) && isObject(value.sess) && typeof value.expiresAt === 'number';
}

function isStoredSession(value: unknown): value is StoredSession {
  return isObject(value) && isObject(value.data) && typeof value.expiresAt === 'number';
}
