import { base32Decode, base32Encode } from './base32';
import { Totp, TOTP_PERIOD_SECONDS } from './totp';

/** RFC 6238 appendix B, SHA-1: the ASCII key "12345678901234567890"; 6 digits are the last 6 of the 8 given. */
const RFC_SECRET = base32Encode(Buffer.from('12345678901234567890', 'ascii'));
const RFC_VECTORS: Array<[number, string]> = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

const at = (seconds: number) => new Date(seconds * 1000);

describe('base32 (RFC 4648)', () => {
  it.each([
    ['', ''],
    ['f', 'MY'],
    ['fo', 'MZXQ'],
    ['foo', 'MZXW6'],
    ['foob', 'MZXW6YQ'],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI'],
  ])('encodes %j as %s (unpadded) and back', (text, encoded) => {
    expect(base32Encode(Buffer.from(text))).toBe(encoded);
    expect(Buffer.from(base32Decode(encoded)).toString()).toBe(text);
  });

  it('reads lower case, spaces and padding; refuses other characters', () => {
    expect(Buffer.from(base32Decode('mzxw 6ytb oi======')).toString()).toBe('foobar');
    expect(() => base32Decode('MZXW1')).toThrow();
  });
});

describe('Totp', () => {
  const totp = new Totp();

  it('the RFC key encodes as the well-known base32 text', () => {
    expect(RFC_SECRET).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  });

  it.each(RFC_VECTORS)('matches the RFC 6238 SHA-1 vector at T=%i', (seconds, eightDigits) => {
    const code = eightDigits.slice(-6);
    expect(totp.generate(RFC_SECRET, at(seconds))).toBe(code);
    expect(totp.verify(RFC_SECRET, code, at(seconds))).toEqual({ step: Math.floor(seconds / TOTP_PERIOD_SECONDS) });
  });

  it('accepts one step of drift either way, not two', () => {
    const now = 1234567890;
    const step = Math.floor(now / 30);
    const codeAt = (s: number) => totp.generate(RFC_SECRET, at(s * 30));
    expect(totp.verify(RFC_SECRET, codeAt(step - 1), at(now))).toEqual({ step: step - 1 });
    expect(totp.verify(RFC_SECRET, codeAt(step + 1), at(now))).toEqual({ step: step + 1 });
    expect(totp.verify(RFC_SECRET, codeAt(step - 2), at(now))).toBeUndefined();
    expect(totp.verify(RFC_SECRET, codeAt(step + 2), at(now))).toBeUndefined();
  });

  it('refuses a code of a step already used, or older (replay), and accepts a newer one', () => {
    const now = 1234567890;
    const step = Math.floor(now / 30);
    const current = totp.generate(RFC_SECRET, at(now));
    expect(totp.verify(RFC_SECRET, current, at(now), step)).toBeUndefined();
    expect(totp.verify(RFC_SECRET, current, at(now), step - 1)).toEqual({ step });
    const next = totp.generate(RFC_SECRET, at(now + 30));
    expect(totp.verify(RFC_SECRET, next, at(now), step)).toEqual({ step: step + 1 });
    // A last-used step ahead of the window (a clock that went back) refuses everything, without throwing.
    expect(totp.verify(RFC_SECRET, current, at(now), step + 5)).toBeUndefined();
  });

  it('refuses anything that is not 6 digits', () => {
    for (const bad of ['', '12345', '1234567', 'abcdef', ' 287082', '28708x']) {
      expect(totp.verify(RFC_SECRET, bad, at(59))).toBeUndefined();
    }
  });

  it('makes 160-bit secrets and an otpauth URI that authenticator apps read', () => {
    const secret = totp.newSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Decode(secret)).toHaveLength(20);
    expect(totp.newSecret()).not.toBe(secret);
    const uri = new URL(totp.uri('alice', secret));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/Gatehouse:alice');
    expect(Object.fromEntries(uri.searchParams)).toMatchObject({ secret, issuer: 'Gatehouse' });
    // Left out means the defaults every app assumes: SHA1, 6 digits, 30 s.
    expect(uri.searchParams.get('algorithm') ?? 'SHA1').toBe('SHA1');
    expect(uri.searchParams.get('digits') ?? '6').toBe('6');
    expect(uri.searchParams.get('period') ?? '30').toBe('30');
  });
});
