import { Injectable } from '@nestjs/common';

/** Password checks one username may have running at once in a process (a double click is two). */
export const MAX_CHECKS_IN_FLIGHT_PER_USERNAME = 2;
/** Password checks one client IP (an IPv6 /64) may have running at once in a process. */
export const MAX_CHECKS_IN_FLIGHT_PER_IP = 4;

/**
 * Caps the password checks in flight per key, in this process. Hashes run two at a time
 * (MAX_CONCURRENT_HASHES) in arrival order, so without a cap one client's batch of 120 logins queued
 * ahead of everyone else's and held every other login for 14.5 s at cost 12. With it, one IP holds at
 * most 4 places in the queue (under a second of other people's wait); the rest are refused at once.
 * In-process on purpose: it protects this process's queue, needs no write, and with WEB_CONCURRENCY=N
 * a client gets at most N times the cap.
 */
@Injectable()
export class InFlightChecks {
  private readonly running = new Map<string, number>();

  /** Takes a place on every key, or none if any key is full; the function given back frees them. */
  tryEnter(keys: ReadonlyArray<{ key: string; max: number }>): (() => void) | undefined {
    if (keys.some(({ key, max }) => (this.running.get(key) ?? 0) >= max)) return undefined;
    for (const { key } of keys) this.running.set(key, (this.running.get(key) ?? 0) + 1);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      for (const { key } of keys) {
        const count = (this.running.get(key) ?? 1) - 1;
        if (count > 0) this.running.set(key, count);
        else this.running.delete(key);
      }
    };
  }

  /** Checks running for this key now (for tests). */
  count(key: string): number {
    return this.running.get(key) ?? 0;
  }
}
