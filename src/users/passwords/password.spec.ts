import * as bcrypt from 'bcrypt';
import { AppConfig } from '../../config/app-config';
import { PasswordHasher } from './password-hasher';
import { passwordProblem } from './password-policy';
import prototypeUsers from '../../../test/fixtures/prototype-users.json';

// The real bcrypt, with compare observable (a namespace import cannot be spied on).
jest.mock('bcrypt', () => {
  const actual = jest.requireActual<typeof import('bcrypt')>('bcrypt');
  return { ...actual, compare: jest.fn((data: string, hash: string): Promise<boolean> => actual.compare(data, hash)) };
});

// Made with Python's hashlib, exactly as Werkzeug stores them (see test/fixtures/prototype-users.json).
const PBKDF2 = prototypeUsers.users[0].password_hash;
const SCRYPT = prototypeUsers.users[1].password_hash;

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher({ bcryptCost: 4 } as AppConfig);

  it('hashes with bcrypt at the configured cost and verifies', async () => {
    const hash = await hasher.hash('a fine passphrase');
    expect(hash).toMatch(/^\$2b\$04\$/);
    expect(await hasher.verify('a fine passphrase', hash)).toBe(true);
    expect(await hasher.verify('a fine passphrasE', hash)).toBe(false);
  });

  it('verifies Werkzeug pbkdf2:sha256 and scrypt hashes', async () => {
    expect(await hasher.verify('prototype-pass-1', PBKDF2)).toBe(true);
    expect(await hasher.verify('prototype-pass-2', PBKDF2)).toBe(false);
    expect(await hasher.verify('prototype-pass-2', SCRYPT)).toBe(true);
    expect(await hasher.verify('prototype-pass-1', SCRYPT)).toBe(false);
  });

  it('refuses malformed or unknown hashes instead of throwing', async () => {
    for (const bad of [
      '',
      'plaintext',
      'pbkdf2:sha256:abc$salt$00',
      'pbkdf2:md5:1000$s$00',
      'scrypt:0:8:1$s$00',
      'pbkdf2:sha256:1000$$',
    ]) {
      expect(await hasher.verify('x', bad)).toBe(false);
    }
  });

  it('asks for a re-hash of Werkzeug hashes and of weaker bcrypt costs only', async () => {
    expect(hasher.needsRehash(PBKDF2)).toBe(true);
    expect(hasher.needsRehash(SCRYPT)).toBe(true);
    expect(hasher.needsRehash(await hasher.hash('x'.repeat(10)))).toBe(false);
    const stronger = new PasswordHasher({ bcryptCost: 5 } as AppConfig);
    expect(stronger.needsRehash(await hasher.hash('x'.repeat(10)))).toBe(true);
  });

  it('a password over 72 bytes never matches, though bcrypt alone would say yes (SPEC §5)', async () => {
    for (const password of ['p'.repeat(72), '€'.repeat(24)]) {
      const hash = await hasher.hash(password);
      expect(await hasher.verify(password, hash)).toBe(true);
      expect(await bcrypt.compare(`${password}x`, hash)).toBe(true); // bcrypt ignores the 73rd byte
      expect(await hasher.verify(`${password}x`, hash)).toBe(false);
      expect(await hasher.verify(`${password}${'x'.repeat(1000)}`, hash)).toBe(false);
    }
  });

  it('a too-long password still costs a full comparison (its length is no timing oracle)', async () => {
    const hash = await hasher.hash('q'.repeat(72));
    const compare = jest.mocked(bcrypt.compare);
    compare.mockClear();
    expect(await hasher.verify(`${'q'.repeat(72)}x`, hash)).toBe(false);
    expect(compare).toHaveBeenCalledWith(`${'q'.repeat(72)}x`, hash);
  });

  it('the dummy check always fails but really runs bcrypt', async () => {
    expect(await hasher.verifyAgainstDummy('anything')).toBe(false);
  });
});

describe('passwordProblem', () => {
  it('accepts a plain long passphrase with no composition rules', () => {
    expect(passwordProblem('all lowercase words here')).toBeUndefined();
  });

  it.each([
    ['short', 'at least 8'],
    ['1234567', 'at least 8'],
    ['password', 'too common'],
    ['iloveyou', 'too common'],
    ['Qwerty123', 'too common'],
    ['a'.repeat(73), 'at most 72 bytes'],
    ['€'.repeat(25), 'at most 72 bytes'], // 25 characters, 75 bytes
  ])('refuses %p', (password, message) => {
    expect(passwordProblem(password)).toContain(message);
  });

  it('counts characters, not bytes, for the minimum', () => {
    expect(passwordProblem('ééééééé')).toContain('at least 8'); // 7 characters, 14 bytes
    expect(passwordProblem('€'.repeat(24))).toBeUndefined(); // exactly 72 bytes
  });
});
