import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock/clock';
import { ThrottleCounter, ThrottleRepository } from './throttle.repository';

export interface Limit {
  /** Events allowed in the window before the key locks. */
  max: number;
  windowMs: number;
}

/** Seconds until a locked key frees up, or 0 when it is free. */
export type RetryAfterSeconds = number;

/**
 * Fixed-window counters with a lock once the limit is reached (SPEC §3): login failures per
 * username and per IP, registration attempts per IP. Lockouts always expire.
 */
@Injectable()
export class RateLimiter {
  constructor(
    private readonly counters: ThrottleRepository,
    private readonly clock: Clock,
  ) {}

  async retryAfter(key: string): Promise<RetryAfterSeconds> {
    return secondsLeft((await this.counters.get(key))?.lockedUntil, this.clock.now().getTime());
  }

  /** Counts one event; returns the lock's remaining seconds if this event reached the limit. */
  hit(key: string, limit: Limit): Promise<RetryAfterSeconds> {
    const now = this.clock.now().getTime();
    return this.counters.update(key, now, (current) => {
      const counter = inWindow(current, limit, now);
      counter.count += 1;
      if (counter.count >= limit.max) counter.lockedUntil = Math.max(counter.lockedUntil ?? 0, now + limit.windowMs);
      return { next: withExpiry(counter, limit), result: secondsLeft(counter.lockedUntil, now) };
    });
  }

  /** Counts one event and tells whether it was still within the limit (for "attempts per hour"). */
  consume(key: string, limit: Limit): Promise<RetryAfterSeconds> {
    const now = this.clock.now().getTime();
    return this.counters.update(key, now, (current) => {
      if (current?.lockedUntil && current.lockedUntil > now) {
        return { next: current, result: secondsLeft(current.lockedUntil, now) };
      }
      const counter = inWindow(current, limit, now);
      counter.count += 1;
      if (counter.count > limit.max) counter.lockedUntil = counter.windowStart + limit.windowMs;
      return { next: withExpiry(counter, limit), result: secondsLeft(counter.lockedUntil, now) };
    });
  }

  reset(key: string): Promise<void> {
    return this.counters.update(key, this.clock.now().getTime(), () => ({ next: undefined, result: undefined }));
  }
}

/** The counter for the current window (a fresh one once the old window is over); a live lock carries over. */
function inWindow(current: ThrottleCounter | undefined, limit: Limit, now: number): ThrottleCounter {
  const counter =
    current && current.windowStart + limit.windowMs > now
      ? { ...current }
      : { count: 0, windowStart: now, expiresAt: now + limit.windowMs };
  if (current?.lockedUntil && current.lockedUntil > now) counter.lockedUntil = current.lockedUntil;
  return counter;
}

function withExpiry(counter: ThrottleCounter, limit: Limit): ThrottleCounter {
  return { ...counter, expiresAt: Math.max(counter.windowStart + limit.windowMs, counter.lockedUntil ?? 0) };
}

function secondsLeft(until: number | undefined, now: number): RetryAfterSeconds {
  return until && until > now ? Math.ceil((until - now) / 1000) : 0;
}
