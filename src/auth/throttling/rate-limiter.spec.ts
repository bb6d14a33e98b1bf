import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '../../common/clock/clock';
import { AppConfig } from '../../config/app-config';
import { JsonStore } from '../../persistence/json/json-store.service';
import { RateLimiter } from './rate-limiter.service';
import { JsonThrottleRepository } from './persistence/json/json-throttle.repository';
import { counterFilesStamp, storedCounters } from '../../../test/helpers/throttle-files';

describe('RateLimiter', () => {
  const limit = { max: 3, windowMs: 60_000 };
  let dir: string;
  let clock: ManualClock;
  let limiter: RateLimiter;
  const counters = () => storedCounters(dir, clock.now().getTime());

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-throttle-'));
    clock = new ManualClock(new Date('2026-01-01T00:00:00Z'));
    const repository = new JsonThrottleRepository(new JsonStore({ dataDir: dir } as AppConfig), clock);
    limiter = new RateLimiter(repository, clock);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('hit(): locks once the limit is reached, for the window, then lets go', async () => {
    expect(await limiter.hit('k', limit)).toBe(0);
    expect(await limiter.hit('k', limit)).toBe(0);
    expect(await limiter.hit('k', limit)).toBe(60);
    expect(await limiter.retryAfter('k')).toBe(60);
    clock.advance(30_000);
    expect(await limiter.retryAfter('k')).toBe(30);
    clock.advance(30_001);
    expect(await limiter.retryAfter('k')).toBe(0);
  });

  it('hit(): failures spread beyond the window do not accumulate', async () => {
    await limiter.hit('k', limit);
    await limiter.hit('k', limit);
    clock.advance(61_000);
    expect(await limiter.hit('k', limit)).toBe(0);
  });

  it('consume(): allows max events per window, refuses the next until the window ends', async () => {
    for (let i = 0; i < 3; i++) expect(await limiter.consume('r', limit)).toBe(0);
    expect(await limiter.consume('r', limit)).toBe(60);
    clock.advance(60_000);
    expect(await limiter.consume('r', limit)).toBe(0);
  });

  it('reset() clears a key', async () => {
    for (let i = 0; i < 3; i++) await limiter.hit('k', limit);
    await limiter.reset('k');
    expect(await limiter.retryAfter('k')).toBe(0);
  });

  it('drops counters once their window and lock are over, so throttle.json does not grow', async () => {
    await limiter.hit('old-user', limit);
    for (let i = 0; i < 3; i++) await limiter.hit('locked-user', limit);
    clock.advance(61_000);
    await limiter.hit('new-user', limit);
    expect(Object.keys(counters())).toEqual(['new-user']);
  });

  it('keeps a counter while its lock outlasts the window', async () => {
    const long = { max: 1, windowMs: 60_000 };
    await limiter.hit('k', long);
    clock.advance(59_000);
    await limiter.hit('other', { max: 5, windowMs: 1000 });
    expect(Object.keys(counters()).sort()).toEqual(['k', 'other']);
    expect(await limiter.retryAfter('k')).toBe(1);
  });

  describe('reserve() / refund(): counted before the check, refunded on success', () => {
    const keys = [
      { key: 'user', limit: { max: 3, windowMs: 60_000 } },
      { key: 'ip', limit: { max: 5, windowMs: 60_000 } },
    ];

    it('attempts sent at once: only `max` are reserved, the rest refused with Retry-After', async () => {
      const outcomes = await Promise.all(Array.from({ length: 40 }, () => limiter.reserve(keys)));
      expect(outcomes.filter((o) => o.ok)).toHaveLength(3);
      const refused = outcomes.filter((o) => !o.ok);
      expect(refused).toHaveLength(37);
      for (const o of refused) if (!o.ok) expect(o.retryAfter).toBe(60);
      expect(counters().user).toMatchObject({ count: 3 });
      expect(counters().ip).toMatchObject({ count: 3 });
    });

    it('takes both keys in one update: a locked IP refuses without counting on the username', async () => {
      for (let i = 0; i < 5; i++) await limiter.reserve([{ key: `u${i}`, limit: keys[0].limit }, keys[1]]);
      const outcome = await limiter.reserve(keys);
      expect(outcome.ok).toBe(false);
      expect(counters().user).toBeUndefined();
    });

    it('the attempt that reaches the limit locks the key; refunding it lifts the lock', async () => {
      await limiter.reserve(keys);
      await limiter.reserve(keys);
      const third = await limiter.reserve(keys);
      expect(third.ok && third.reservation.lockedNow).toBe(true);
      expect(await limiter.retryAfter('user')).toBe(60);
      if (third.ok) await limiter.refund(third.reservation);
      expect(await limiter.retryAfter('user')).toBe(0);
      expect(counters().user).toMatchObject({ count: 2 });
      expect((await limiter.reserve(keys)).ok).toBe(true);
    });

    it('refund() can clear a key instead (a successful login clears the username count)', async () => {
      await limiter.reserve(keys);
      const outcome = await limiter.reserve(keys);
      if (!outcome.ok) throw new Error('expected a reservation');
      await limiter.refund(outcome.reservation, { clear: ['user'] });
      expect(counters().user).toBeUndefined();
      expect(counters().ip).toMatchObject({ count: 1 });
    });

    it('a refund from a window that has ended changes nothing', async () => {
      const outcome = await limiter.reserve(keys);
      clock.advance(61_000);
      await limiter.reserve(keys);
      if (outcome.ok) await limiter.refund(outcome.reservation);
      expect(counters().user).toMatchObject({ count: 1 });
    });

    it('reports a lock refusal once per key and lock (for the audit log), then refuses without a write', async () => {
      for (let i = 0; i < 3; i++) await limiter.reserve(keys);
      const first = await limiter.reserve(keys);
      expect(first).toMatchObject({ ok: false, firstRefusals: ['user'] });
      const mtime = counterFilesStamp(dir);
      for (let i = 0; i < 5; i++) expect(await limiter.reserve(keys)).toMatchObject({ ok: false, firstRefusals: [] });
      expect(counterFilesStamp(dir)).toBe(mtime);
      clock.advance(60_001);
      for (let i = 0; i < 3; i++) expect((await limiter.reserve(keys)).ok).toBe(true);
      expect(await limiter.reserve(keys)).toMatchObject({ ok: false, firstRefusals: ['user'] });
    });
  });

  it('take(): like consume(), and says which refusal is the first of its lock', async () => {
    for (let i = 0; i < 3; i++) expect(await limiter.take('r', limit)).toEqual({ retryAfter: 0, firstRefusal: false });
    expect(await limiter.take('r', limit)).toEqual({ retryAfter: 60, firstRefusal: true });
    expect(await limiter.take('r', limit)).toEqual({ retryAfter: 60, firstRefusal: false });
    clock.advance(60_000);
    expect(await limiter.take('r', limit)).toEqual({ retryAfter: 0, firstRefusal: false });
  });
});
