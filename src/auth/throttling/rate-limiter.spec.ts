import { ManualClock } from '../../common/clock/clock';
import { RateLimiter } from './rate-limiter.service';
import { ThrottleCounter, ThrottleRepository } from './throttle.repository';

/** An in-memory stand-in for throttle.json with the repository's contract. */
class MemoryCounters {
  readonly data = new Map<string, ThrottleCounter>();
  async get(key: string) {
    return this.data.get(key);
  }
  async update<R>(key: string, change: (c: ThrottleCounter | undefined) => { next?: ThrottleCounter; result: R }) {
    const { next, result } = change(this.data.get(key));
    if (next) this.data.set(key, next);
    else this.data.delete(key);
    return result;
  }
}

describe('RateLimiter', () => {
  const limit = { max: 3, windowMs: 60_000 };
  let clock: ManualClock;
  let limiter: RateLimiter;

  beforeEach(() => {
    clock = new ManualClock(new Date('2026-01-01T00:00:00Z'));
    limiter = new RateLimiter(new MemoryCounters() as unknown as ThrottleRepository, clock);
  });

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
});
