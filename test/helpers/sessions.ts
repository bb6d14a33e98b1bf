import * as fs from 'node:fs';
import * as path from 'node:path';
import { SessionsRepository } from '../../src/auth/session/sessions.repository';
import type { TestApp } from './test-app';

/** How many server-side sessions the app holds (through the repository, whatever the store). */
export function sessionCount(t: TestApp): Promise<number> {
  return t.app.get(SessionsRepository).count();
}

/** The session files under DATA_DIR/sessions/ (files mode), for tests of the file format itself. */
export function sessionFiles(dataDir: string): string[] {
  const dir = path.join(dataDir, 'sessions');
  return fs.existsSync(dir) ? fs.readdirSync(dir).map((name) => path.join(dir, name)) : [];
}
