import { usePgDatabase } from '../../../../../test/helpers/pg-repository';
import { ManualClock } from '../../../../common/clock/clock';
import { RateLimiter } from '../../rate-limiter.service';
import { PgThrottleRepository } from './pg-throttle.repository';

const pg = usePgDatabase(['throttle_counters']);

/** The limiter's real multi-key changes (reserve/refund/take) through PgThrottleRepository on two hosts. */
describe('RateLimiter over PgThrottleRepository', () => {
  const limit = { max: 5, windowMs: 60_000 };
  let clock: ManualClock;
  let hosts: RateLimiter[];

  beforeEach(async () => {
    await pg.truncate();
    clock = new ManualClock(new Date('2026-01-01T00:00:00Z'));
    hosts = [
      new RateLimiter(new PgThrottleRepository(pg.db, new ManualClock()), clock),
      new RateLimiter(new PgThrottleRepository(pg.otherHost, new ManualClock()), clock),
    ];
  });

  const keys = [
    { key: 'login:user:bob', limit },
    { key: 'login:ip:10.0.0.1', limit },
  ];

  it('30 concurrent reserves on one username and IP: exactly `max` get through, then the lock holds', async () => {
    const outcomes = await Promise.all(Array.from({ length: 30 }, (_, i) => hosts[i % 2].reserve(keys)));
    const ok = outcomes.filter((o) => o.ok);
    expect(ok).toHaveLength(limit.max);
    const refusals = outcomes.flatMap((o) => (o.ok ? [] : o.firstRefusals));
    expect(refusals.filter((k) => k === 'login:user:bob')).toHaveLength(1); // recorded once, not 25 times
    expect(await hosts[0].retryAfter('login:user:bob')).toBe(60);
    clock.advance(60_001);
    expect(await hosts[1].retryAfter('login:user:bob')).toBe(0);
    await expect(hosts[1].reserve(keys)).resolves.toMatchObject({ ok: true });
  });

  it('refund gives a slot back and lifts the lock the attempt caused; clear resets a key', async () => {
    for (let i = 0; i < limit.max - 1; i++) await hosts[0].reserve(keys);
    const last = await hosts[1].reserve(keys);
    expect(last).toMatchObject({ ok: true, reservation: { lockedNow: true } });
    if (!last.ok) throw new Error('unreachable');
    await hosts[0].refund(last.reservation, { clear: ['login:user:bob'] });
    expect(await hosts[0].retryAfter('login:ip:10.0.0.1')).toBe(0);
    const { rows } = await pg.db.query<{ key: string; count: number }>('SELECT key, count FROM throttle_counters');
    expect(rows).toEqual([{ key: 'login:ip:10.0.0.1', count: limit.max - 1 }]);
  });

  it('take() counts from two hosts without losing any and reports the first refusal once', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, (_, i) => hosts[i % 2].take('register:ip:1', { max: 3, windowMs: 60_000 })),
    );
    expect(outcomes.filter((o) => o.retryAfter === 0)).toHaveLength(3);
    expect(outcomes.filter((o) => o.firstRefusal)).toHaveLength(1);
  });

  it('a change touches only its keys; the sweep removes expired counters', async () => {
    await hosts[0].hit('old', limit);
    clock.advance(limit.windowMs + 1);
    await hosts[1].hit('new', limit);
    const before = await pg.db.query<{ key: string }>('SELECT key FROM throttle_counters ORDER BY key');
    expect(before.rows.map((r) => r.key)).toEqual(['new', 'old']);
    await expect(new PgThrottleRepository(pg.db, clock).sweepExpired(clock.now().getTime())).resolves.toBe(1);
    const { rows } = await pg.db.query<{ key: string }>('SELECT key FROM throttle_counters ORDER BY key');
    expect(rows.map((r) => r.key)).toEqual(['new']);
  });
});
