import { Injectable } from '@nestjs/common';
import type { Base32Plugin, CryptoPlugin, HashAlgorithm } from '@otplib/core';
import { generateSync, verifySync } from '@otplib/totp';
import { generateTOTP } from '@otplib/uri';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { base32Decode, base32Encode } from './base32';

/** RFC 6238 as every authenticator app reads it: HMAC-SHA-1, 30-second steps, 6 digits. */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Steps of clock drift accepted either side of now (SPEC §5.1: ±1). */
export const TOTP_DRIFT_STEPS = 1;
export const TOTP_ISSUER = 'Gatehouse';
/** 160-bit secrets, as RFC 4226 recommends. */
const SECRET_BYTES = 20;

/**
 * otplib's defaults pull in ESM-only packages (@noble/hashes, @scure/base) that jest cannot load on
 * Node 20, so its TOTP core runs with these two small plugins over node:crypto instead.
 */
const nodeCrypto: CryptoPlugin = {
  name: 'node',
  algorithms: ['sha1'],
  hmac(algorithm: HashAlgorithm, key: Uint8Array, data: Uint8Array): Uint8Array {
    if (algorithm !== 'sha1') throw new Error(`Unsupported TOTP algorithm: ${algorithm}`);
    return createHmac('sha1', key).update(data).digest();
  },
  randomBytes: (length: number) => randomBytes(length),
  constantTimeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
    const left = typeof a === 'string' ? Buffer.from(a) : Buffer.from(a);
    const right = typeof b === 'string' ? Buffer.from(b) : Buffer.from(b);
    return left.length === right.length && timingSafeEqual(left, right);
  },
};

const base32: Base32Plugin = {
  name: 'rfc4648',
  encode: (data: Uint8Array) => base32Encode(data),
  decode: (text: string) => base32Decode(text),
};

/** A TOTP code that matched, and the time step it belongs to (kept to refuse its replay). */
export interface TotpMatch {
  step: number;
}

/** The otplib wrapper: secrets, otpauth:// URIs, code checks. Pure; time comes from the caller. */
@Injectable()
export class Totp {
  /** A new random secret, base32 (what the user types into an app that cannot scan). */
  newSecret(): string {
    return base32Encode(randomBytes(SECRET_BYTES));
  }

  /** `otpauth://totp/Gatehouse:<username>?secret=...&issuer=Gatehouse&...` for the QR code. */
  uri(username: string, secret: string): string {
    return generateTOTP({
      issuer: TOTP_ISSUER,
      label: username,
      secret,
      algorithm: 'sha1',
      digits: TOTP_DIGITS,
      period: TOTP_PERIOD_SECONDS,
    });
  }

  /** The code for `at` (tests and the browser journey compute codes with it). */
  generate(secret: string, at: Date): string {
    return generateSync({ ...this.options(secret), epoch: Math.floor(at.getTime() / 1000) });
  }

  /**
   * The matching step within ±TOTP_DRIFT_STEPS of `now`, never one at or before `afterStep` (a code
   * already used, or an older one: RFC 6238 §5.2 replay rule). Undefined for anything else, including
   * input that is not 6 digits.
   */
  verify(secret: string, code: string, now: Date, afterStep?: number): TotpMatch | undefined {
    if (!/^\d{6}$/.test(code)) return undefined;
    const epoch = Math.floor(now.getTime() / 1000);
    const result = verifySync({
      ...this.options(secret),
      token: code,
      epoch,
      epochTolerance: TOTP_DRIFT_STEPS * TOTP_PERIOD_SECONDS,
      // otplib refuses an afterTimeStep beyond the window's last step: such a code cannot match anyway.
      afterTimeStep:
        afterStep === undefined
          ? undefined
          : Math.min(afterStep, Math.floor(epoch / TOTP_PERIOD_SECONDS) + TOTP_DRIFT_STEPS),
    });
    return result.valid ? { step: result.timeStep } : undefined;
  }

  private options(secret: string) {
    return {
      secret,
      crypto: nodeCrypto,
      base32,
      algorithm: 'sha1' as const,
      digits: TOTP_DIGITS as 6,
      period: TOTP_PERIOD_SECONDS,
    };
  }
}
