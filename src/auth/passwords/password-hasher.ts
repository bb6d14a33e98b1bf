import { Injectable } from '@nestjs/common';
import * as bcrypt from 'bcrypt';
import { pbkdf2, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { AppConfig } from '../../config/app-config';

const pbkdf2Async = promisify(pbkdf2);
const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: string,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

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
    return bcrypt.hash(password, this.config.bcryptCost);
  }

  async verify(password: string, storedHash: string): Promise<boolean> {
    if (storedHash.startsWith('$2')) return bcrypt.compare(password, storedHash);
    if (storedHash.startsWith('pbkdf2:')) return verifyWerkzeugPbkdf2(password, storedHash);
    if (storedHash.startsWith('scrypt:')) return verifyWerkzeugScrypt(password, storedHash);
    return false;
  }

  /** Spends the same time as a real check, for usernames that do not exist. */
  async verifyAgainstDummy(password: string): Promise<false> {
    this.dummyHash ??= bcrypt.hash(`dummy-${Math.random()}`, this.config.bcryptCost);
    await bcrypt.compare(password, await this.dummyHash);
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
