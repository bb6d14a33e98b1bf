import { hashRecoveryCode, isRecoveryCodeShape, newRecoveryCodes, normaliseRecoveryCode } from './recovery-codes';

describe('recovery codes', () => {
  it('makes 10 distinct codes of 80 random bits, grouped for reading', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) {
      expect(code).toMatch(/^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/);
      expect(isRecoveryCodeShape(code)).toBe(true);
    }
  });

  it('hashes the normalised code: case, spaces and dashes do not matter; the hash is not the code', () => {
    const [code] = newRecoveryCodes(1);
    const hash = hashRecoveryCode(code);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashRecoveryCode(code.toUpperCase().replace(/-/g, ' '))).toBe(hash);
    expect(hash).not.toContain(normaliseRecoveryCode(code));
  });

  it('tells a TOTP code from a recovery code', () => {
    expect(isRecoveryCodeShape('123456')).toBe(false);
    expect(isRecoveryCodeShape('abcd-efgh-ijkl-mnop')).toBe(true);
    expect(isRecoveryCodeShape('abcd-efgh-ijkl-mno1')).toBe(false);
  });
});
