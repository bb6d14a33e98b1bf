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

export interface KeyLimit {
  key: string;
  limit: Limit;
}

/** An attempt counted in advance on each of its keys: kept if it fails, refunded if it succeeds. */
export interface Reservation {
  readonly slots: ReadonlyArray<{ key: string; windowStart: number; max: number }>;
  /** This attempt brought some key to its limit: the key is locked unless the attempt is refunded. */
  readonly lockedNow: boolean;
}

export type ReserveOutcome =
  | { ok: true; reservation: Reservation }
  | {
      ok: false;
      retryAfter: RetryAfterSeconds;
      /** Keys whose lock refused an attempt for the first time: record these once, not every refusal. */
      firstRefusals: string[];
    };

/** What take() answers: 0 when the event was within the limit, plus whether this refusal is the lock's first. */
export interface TakeOutcome {
  retryAfter: RetryAfterSeconds;
  firstRefusal: boolean;
}

/**
 * Fixed-window counters with a lock once the limit is reached (SPEC §3): login failures per
 * username and per IP, registration attempts per IP. Lockouts always expire.
 *
 * Password attempts use reserve()/refund(): the attempt takes its slot on every key in the same atomic
 * update that checks the locks, before its password is checked, and a success gives the slot back. So
 * attempts sent at once are counted as they arrive, and no more than the limit ever reach the check
 * (SPEC §5); checking first and counting after the hash (seconds later under load) let 119 in.
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
  async consume(key: string, limit: Limit): Promise<RetryAfterSeconds> {
    return (await this.take(key, limit)).retryAfter;
  }

  /**
   * Checks every key's lock and, if none is locked, counts one attempt on each, in one atomic update
   * of exactly these keys' counters. A key that reaches its limit locks for its window from now; refund() lifts that
   * lock again if the attempt succeeds. A refused attempt is not counted.
   */
  async reserve(keys: readonly KeyLimit[]): Promise<ReserveOutcome> {
    const now = this.clock.now().getTime();
    // A flood against a lock that has already refused someone costs one cached read, no write.
    const known = await this.counters.getMany(keys.map((k) => k.key));
    const live = known.filter((c) => (c?.lockedUntil ?? 0) > now);
    if (live.length > 0 && live.every((c) => c?.lockNoticed)) {
      return {
        ok: false,
        retryAfter: Math.max(...live.map((c) => secondsLeft(c?.lockedUntil, now))),
        firstRefusals: [],
      };
    }
    const named = keys.map((k) => k.key);
    return this.counters.mutate(named, now, (counters): ReserveOutcome => {
      const current = keys.map(({ key, limit }) => ({ key, limit, counter: inWindow(counters[key], limit, now) }));
      const blocked = current.filter(({ counter, limit }) => isBlocked(counter, limit, now));
      if (blocked.length > 0) {
        const firstRefusals: string[] = [];
        for (const { key, limit, counter } of blocked) {
          if (!counter.lockNoticed) firstRefusals.push(key);
          counter.lockNoticed = true;
          if (!((counter.lockedUntil ?? 0) > now)) counter.lockedUntil = counter.windowStart + limit.windowMs;
          counters[key] = withExpiry(counter, limit);
        }
        const retryAfter = Math.max(...blocked.map(({ counter }) => secondsLeft(counter.lockedUntil, now)));
        return { ok: false, retryAfter, firstRefusals };
      }
      let lockedNow = false;
      for (const { key, limit, counter } of current) {
        counter.count += 1;
        if (counter.count >= limit.max) {
          counter.lockedUntil = now + limit.windowMs;
          delete counter.lockNoticed;
          lockedNow = true;
        }
        counters[key] = withExpiry(counter, limit);
      }
      const slots = current.map(({ key, limit, counter }) => ({
        key,
        windowStart: counter.windowStart,
        max: limit.max,
      }));
      return { ok: true, reservation: { slots, lockedNow } };
    });
  }

  /**
   * Gives a successful attempt's slots back (a lock it caused is lifted once the count is below the
   * limit again); keys in `clear` are reset instead (a successful login clears the username's count).
   * A slot from a window that has since ended is ignored.
   */
  refund(reservation: Reservation, options: { clear?: readonly string[] } = {}): Promise<void> {
    const now = this.clock.now().getTime();
    const clear = new Set(options.clear ?? []);
    const named = reservation.slots.map((slot) => slot.key);
    return this.counters.mutate(named, now, (counters) => {
      for (const slot of reservation.slots) {
        const counter = counters[slot.key];
        if (clear.has(slot.key)) {
          delete counters[slot.key];
          continue;
        }
        if (!counter || counter.windowStart !== slot.windowStart) continue;
        counter.count = Math.max(0, counter.count - 1);
        if (counter.count < slot.max && counter.lockedUntil !== undefined) {
          delete counter.lockedUntil;
          delete counter.lockNoticed;
        }
      }
    });
  }

  /**
   * consume() that also says whether this refusal is the first under the current lock, so callers
   * record a lockout once per key and window instead of once per refused attempt.
   */
  take(key: string, limit: Limit): Promise<TakeOutcome> {
    const now = this.clock.now().getTime();
    return this.counters.update(key, now, (current) => {
      if (current?.lockedUntil && current.lockedUntil > now) {
        const firstRefusal = !current.lockNoticed;
        return {
          next: { ...current, lockNoticed: true },
          result: { retryAfter: secondsLeft(current.lockedUntil, now), firstRefusal },
        };
      }
      const counter = inWindow(current, limit, now);
      counter.count += 1;
      let firstRefusal = false;
      if (counter.count > limit.max) {
        counter.lockedUntil = counter.windowStart + limit.windowMs;
        counter.lockNoticed = true;
        firstRefusal = true;
      }
      return {
        next: withExpiry(counter, limit),
        result: { retryAfter: secondsLeft(counter.lockedUntil, now), firstRefusal },
      };
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
  if (current?.lockedUntil && current.lockedUntil > now) {
    counter.lockedUntil = current.lockedUntil;
    if (current.lockNoticed) counter.lockNoticed = true;
  }
  return counter;
}

/** Locked, or already at the limit (a count at the limit always comes with a lock; this is the belt). */
function isBlocked(counter: ThrottleCounter, limit: Limit, now: number): boolean {
  return (counter.lockedUntil ?? 0) > now || counter.count >= limit.max;
}

function withExpiry(counter: ThrottleCounter, limit: Limit): ThrottleCounter {
  return { ...counter, expiresAt: Math.max(counter.windowStart + limit.windowMs, counter.lockedUntil ?? 0) };
}

function secondsLeft(until: number | undefined, now: number): RetryAfterSeconds {
  return until && until > now ? Math.ceil((until - now) / 1000) : 0;
}
