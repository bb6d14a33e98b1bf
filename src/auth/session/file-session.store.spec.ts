import type { SessionData } from 'express-session';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '../../common/clock/clock';
import { AppConfig } from '../../config/app-config';
import { JsonStore } from '../../persistence/json/json-store.service';
import { FileSessionStore } from './file-session.store';

const get = (store: FileSessionStore, sid: string) =>
  new Promise<SessionData | null | undefined>((resolve, reject) =>
    store.get(sid, (err, s) => (err ? reject(asError(err)) : resolve(s))),
  );
const set = (store: FileSessionStore, sid: string, sess: SessionData) =>
  new Promise<void>((resolve, reject) => store.set(sid, sess, (err) => (err ? reject(asError(err)) : resolve())));

describe('FileSessionStore', () => {
  let dir: string;
  let clock: ManualClock;
  let store: FileSessionStore;
  const config = { sessionIdleMinutes: 30 } as AppConfig;

  const session = (lastSeenAt: number, expires?: Date) =>
    ({ cookie: { originalMaxAge: null, expires }, userId: 'u1', lastSeenAt }) as unknown as SessionData;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-sessions-'));
    clock = new ManualClock(new Date('2026-05-01T12:00:00Z'));
    store = new FileSessionStore(new JsonStore({ ...config, dataDir: dir }), config, clock);
  });
  afterEach(() => {
    store.onModuleDestroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('persists sessions to sessions.json and reads them back as copies', async () => {
    await set(store, 'sid-1', session(clock.now().getTime()));
    const onDisk = JSON.parse(fs.readFileSync(path.join(dir, 'sessions.json'), 'utf8'));
    expect(onDisk.sessions['sid-1'].sess.userId).toBe('u1');
    const first = await get(store, 'sid-1');
    (first as SessionData & { userId: string }).userId = 'changed in memory';
    expect(((await get(store, 'sid-1')) as SessionData & { userId: string }).userId).toBe('u1');
  });

  it('returns nothing for a session idle longer than SESSION_IDLE_MINUTES or past its cookie expiry', async () => {
    await set(store, 'idle', session(clock.now().getTime()));
    await set(store, 'cookie', session(clock.now().getTime(), new Date(clock.now().getTime() + 60_000)));
    clock.advance(2 * 60_000);
    expect(await get(store, 'idle')).not.toBeNull();
    expect(await get(store, 'cookie')).toBeNull();
    clock.advance(29 * 60_000);
    expect(await get(store, 'idle')).toBeNull();
  });

  it('sweep() removes expired sessions from the file and keeps live ones', async () => {
    await set(store, 'old', session(clock.now().getTime()));
    clock.advance(20 * 60_000);
    await set(store, 'fresh', session(clock.now().getTime()));
    clock.advance(15 * 60_000);
    expect(await store.sweep()).toBe(1);
    const onDisk = JSON.parse(fs.readFileSync(path.join(dir, 'sessions.json'), 'utf8'));
    expect(Object.keys(onDisk.sessions)).toEqual(['fresh']);
  });

  it('destroy() removes the session', async () => {
    await set(store, 'bye', session(clock.now().getTime()));
    await new Promise<void>((resolve) => store.destroy('bye', () => resolve()));
    expect(await get(store, 'bye')).toBeNull();
  });
});

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error('session store error');
}
