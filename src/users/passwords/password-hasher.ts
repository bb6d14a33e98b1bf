import { Injectable } from '@nestjs/common';
import * as bcrypt from 'bcrypt';
import { pbkdf2, scrypt, timingSafeEqual } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { AppConfig } from '../../config/app-config';
import { fitsBcrypt } from './password-policy';

const pbkdf2Async = promisify(pbkdf2);
const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: string,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/**
 * At most this many hashes run at once (the rest wait in line, first come first served). They run on
 * libuv's thread pool (UV_THREADPOOL_SIZE, default 4), which every async file operation needs too: a
 * login storm that filled the pool made pages wait behind bcrypt (bench, 20 clients logging in at
 * cost 12: a logged-in page's p99 went from 440 ms to 12 ms). Two threads stay free for file I/O,
 * and more hashes at once than cores would not log anyone in sooner.
 */
export const MAX_CONCURRENT_HASHES = Math.max(
  1,
  Math.min((Number(process.env.UV_THREADPOOL_SIZE) || 4) - 2, availableParallelism()),
);

/** A counting semaphore that hands a freed slot straight to the next in line. */
export class HashQueue {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.max) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

const hashing = new HashQueue(MAX_CONCURRENT_HASHES);

/**
 * How long password checks take here, per kind of hash (a running average of the time each spent
 * hashing, queue wait excluded), so every check can be made to last as long as the slowest kind.
 * Without it a prototype user (Werkzeug pbkdf2, 122 ms) answered faster than a bcrypt user or an
 * unknown username (218 ms at cost 12): anyone could tell which accounts had not logged in since the
 * migration. A prototype hash that costs more than bcrypt would show the other way round, so the
 * target is the slowest kind seen, not bcrypt's.
 */
export class CheckDurations {
  private readonly averageMs = new Map<string, number>();

  observe(kind: string, ms: number): void {
    const previous = this.averageMs.get(kind);
    this.averageMs.set(kind, previous === undefined ? ms : previous * 0.8 + ms * 0.2);
  }

  /** What a check should last: the slowest kind's average (0 before any was measured). */
  targetMs(): number {
    return Math.max(0, ...this.averageMs.values());
  }

  has(kind: string): boolean {
    return this.averageMs.has(kind);
  }
}

/**
 * All password hashing goes through here (so services unit-test without real hashing).
 * bcrypt's async API only: hashing runs on libuv's thread pool and never blocks the event loop.
 * Also verifies the Flask prototype's Werkzeug hashes so its users can log in (and be re-hashed).
 * Every check (bcrypt, Werkzeug, the dummy for unknown usernames) lasts as long as the slowest kind
 * (CheckDurations): the hash is computed, then the rest of the time is waited out, not burnt.
 */
@Injectable()
export class PasswordHasher {
  /** A real bcrypt hash of a random string: unknown usernames are checked against it (same cost). */
  private dummyHash: Promise<string> | undefined;
  private readonly durations = new CheckDurations();

  constructor(private readonly config: AppConfig) {}

  hash(password: string): Promise<string> {
    return hashing.run(() => bcrypt.hash(password, this.config.bcryptCost));
  }

  async verify(password: string, storedHash: string): Promise<boolean> {
    if (storedHash.startsWith('$2')) {
      const matches = await this.timed('bcrypt', () => bcrypt.compare(password, storedHash));
      // bcrypt ignores every byte past the 72nd, so `<registered password>x` would match (SPEC §5: a
      // longer password never matches). The comparison still runs first, at the hash's own cost, so a
      // too-long password takes as long as any other: its length is no timing oracle.
      return matches && fitsBcrypt(password);
    }
    const legacy = storedHash.startsWith('pbkdf2:')
      ? verifyWerkzeugPbkdf2
      : storedHash.startsWith('scrypt:')
        ? verifyWerkzeugScrypt
        : undefined;
    if (!legacy) return false;
    // Before the first bcrypt check there is nothing to match: measure one (the dummy hash) first.
    if (!this.durations.has('bcrypt')) await this.dummy();
    return this.timed(storedHash.split('$')[0], () => legacy(password, storedHash));
  }

  /** Spends the same time as a real check, for usernames that do not exist. */
  async verifyAgainstDummy(password: string): Promise<false> {
    const dummy = await this.dummy(); // outside the queue: a queued task must never wait for another
    await this.timed('bcrypt', () => bcrypt.compare(password, dummy));
    return false;
  }

  /** The dummy hash; making it (a bcrypt hash at the configured cost) also measures a bcrypt check. */
  private dummy(): Promise<string> {
    this.dummyHash ??= hashing.run(async () => {
      const started = performance.now();
      const hash = await bcrypt.hash(`dummy-${Math.random()}`, this.config.bcryptCost);
      if (!this.durations.has('bcrypt')) this.durations.observe('bcrypt', performance.now() - started);
      return hash;
    });
    return this.dummyHash;
  }

  /** Runs one check in the hash queue, then waits until it has lasted as long as the slowest kind. */
  private async timed(kind: string, check: () => Promise<boolean>): Promise<boolean> {
    let spentMs = 0;
    const result = await hashing.run(async () => {
      const started = performance.now();
      try {
        return await check();
      } finally {
        spentMs = performance.now() - started;
      }
    });
    this.durations.observe(kind, spentMs);
    const rest = this.durations.targetMs() - spentMs;
    if (rest > 1) await sleep(rest);
    return result;
  }

  /** True for hashes that are not bcrypt at the configured cost: re-hash after a successful login. */
  needsRehash(storedHash: string): boolean {
    if (!storedHash.startsWith('$2')) return true;
    return bcrypt.getRounds(storedHash) < this.config.bcryptCost;
  }
}

/** Werkzeug: `pbkdf2:<digest>:<iterations>$<salt>$<hex>`, salt used as UTF-8 text. */
async function verifyWerkzeugPbkdf2(password: string, stored: string): Promise<boolean> {
  const [method, salt, expectedHex] = stored.split('$');
  const [, digest = 'sha256', iterationsText] = method.split(':');
  const iterations = Number(iterationsText);
  if (!salt || !expectedHex || !Number.isInteger(iterations) || iterations < 1) return false;
  if (!['sha1', 'sha256', 'sha512'].includes(digest)) return false;
  const expected = Buffer.from(expectedHex, 'hex');
  const actual = await pbkdf2Async(password, salt, iterations, expected.length, digest);
  return safeEqual(actual, expected);
}

/** Werkzeug: `scrypt:<N>:<r>:<p>$<salt>$<hex>` (64-byte key). */
async function verifyWerkzeugScrypt(password: string, stored: string): Promise<boolean> {
  const [method, salt, expectedHex] = stored.split('$');
  const [, n, r, p] = method.split(':').map(Number);
  if (!salt || !expectedHex || ![n, r, p].every((v) => Number.isInteger(v) && v > 0)) return false;
  const expected = Buffer.from(expectedHex, 'hex');
  const actual = await scryptAsync(password, salt, expected.length, { N: n, r, p, maxmem: 256 * n * r * p + 1024 });
  return safeEqual(actual, expected);
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
}
