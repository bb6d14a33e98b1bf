import type { SessionData } from 'express-session';
import { ManualClock } from '../../common/clock/clock';
import { AppConfig } from '../../config/app-config';
import { MemorySessionsRepository } from './persistence/memory/memory-sessions.repository';
import { RepositorySessionStore } from './session-store';

const get = (store: RepositorySessionStore, sid: string) =>
  new Promise<SessionData | null | undefined>((resolve, reject) =>
    store.get(sid, (err, s) => (err ? reject(asError(err)) : resolve(s))),
  );
const set = (store: RepositorySessionStore, sid: string, sess: SessionData) =>
  new Promise<void>((resolve, reject) => store.set(sid, sess, (err) => (err ? reject(asError(err)) : resolve())));

describe('RepositorySessionStore', () => {
  let clock: ManualClock;
  let sessions: MemorySessionsRepository;
  let store: RepositorySessionStore;
  const config = { sessionIdleMinutes: 30 } as AppConfig;

  const session = (lastSeenAt: number, expires?: Date) =>
    ({ cookie: { originalMaxAge: null, expires }, userId: 'u1', lastSeenAt }) as unknown as SessionData;

  beforeEach(() => {
    clock = new ManualClock(new Date('2026-05-01T12:00:00Z'));
    sessions = new MemorySessionsRepository();
    store = new RepositorySessionStore(sessions, config, clock);
  });
  afterEach(() => store.onModuleDestroy());

  it('saves sessions through the repository and reads them back as copies', async () => {
    await set(store, 'sid-1', session(clock.now().getTime()));
    expect(await sessions.count()).toBe(1);
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

  it('sweep() removes expired sessions and keeps live ones', async () => {
    await set(store, 'old', session(clock.now().getTime()));
    clock.advance(20 * 60_000);
    await set(store, 'fresh', session(clock.now().getTime()));
    clock.advance(15 * 60_000);
    expect(await store.sweep()).toBe(1);
    expect(await sessions.count()).toBe(1);
    expect(await get(store, 'fresh')).not.toBeNull();
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
