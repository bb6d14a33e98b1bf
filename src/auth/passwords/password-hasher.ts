import { Injectable } from '@nestjs/common';
import * as bcrypt from 'bcrypt';
import { pbkdf2, scrypt, timingSafeEqual } from 'node:crypto';
import { availableParallelism } from 'node:os';
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
 * All password hashing goes through here (so services unit-test without real hashing).
 * bcrypt's async API only: hashing runs on libuv's thread pool and never blocks the event loop.
 * Also verifies the Flask prototype's Werkzeug hashes so its users can log in (and be re-hashed).
 */
@Injectable()
export class PasswordHasher {
  /** A real bcrypt hash of a random string: unknown usernames are checked against it (same cost). */
  private dummyHash: Promise<string> | undefined;

  constructor(private readonly config: AppConfig) {}

  hash(password: string): Promise<string> {
    return hashing.run(() => bcrypt.hash(password, this.config.bcryptCost));
  }

  async verify(password: string, storedHash: string): Promise<boolean> {
    if (storedHash.startsWith('$2')) {
      const matches = await hashing.run(() => bcrypt.compare(password, storedHash));
      // bcrypt ignores every byte past the 72nd, so `<registered password>x` would match (SPEC §5: a
      // longer password never matches). The comparison still runs first, at the hash's own cost, so a
      // too-long password takes as long as any other: its length is no timing oracle.
      return matches && fitsBcrypt(password);
    }
    if (storedHash.startsWith('pbkdf2:')) return hashing.run(() => verifyWerkzeugPbkdf2(password, storedHash));
    if (storedHash.startsWith('scrypt:')) return hashing.run(() => verifyWerkzeugScrypt(password, storedHash));
    return false;
  }

  /** Spends the same time as a real check, for usernames that do not exist. */
  async verifyAgainstDummy(password: string): Promise<false> {
    this.dummyHash ??= this.hash(`dummy-${Math.random()}`);
    const dummy = await this.dummyHash; // outside the queue: a queued task must never wait for another
    await hashing.run(() => bcrypt.compare(password, dummy));
    return false;
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
