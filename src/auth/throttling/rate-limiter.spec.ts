import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '../../common/clock/clock';
import { AppConfig } from '../../config/app-config';
import { JsonStore } from '../../storage/json-store.service';
import { RateLimiter } from './rate-limiter.service';
import { ThrottleRepository } from './throttle.repository';

describe('RateLimiter', () => {
  const limit = { max: 3, windowMs: 60_000 };
  let dir: string;
  let clock: ManualClock;
  let limiter: RateLimiter;
  const counters = () => JSON.parse(fs.readFileSync(path.join(dir, 'throttle.json'), 'utf8')).counters;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-throttle-'));
    clock = new ManualClock(new Date('2026-01-01T00:00:00Z'));
    const repository = new ThrottleRepository(new JsonStore({ dataDir: dir } as AppConfig));
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
});
