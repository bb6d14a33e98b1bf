import * as fs from 'node:fs';
import * as path from 'node:path';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_BYTES = 72;

let commonPasswords: Set<string> | undefined;

/** The 10,000 most common passwords (SecLists' top list, shipped beside this file), lower-cased. */
function common(): Set<string> {
  commonPasswords ??= new Set(
    fs
      .readFileSync(path.join(__dirname, 'common-passwords.txt'), 'utf8')
      .split('\n')
      .map((line) => line.trim().toLowerCase())
      .filter(Boolean),
  );
  return commonPasswords;
}

/** bcrypt reads only the first 72 bytes of a password: longer ones can be neither hashed nor matched. */
export function fitsBcrypt(password: string): boolean {
  return Buffer.byteLength(password, 'utf8') <= PASSWORD_MAX_BYTES;
}

/**
 * SPEC §5: at least 8 characters, at most 72 UTF-8 bytes (bcrypt's limit: refuse, never truncate),
 * not a common password (compared case-insensitively), no composition rules. Returns the problem.
 */
export function passwordProblem(password: string): string | undefined {
  if ([...password].length < PASSWORD_MIN_LENGTH) return `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
  if (!fitsBcrypt(password)) {
    return `Use at most ${PASSWORD_MAX_BYTES} bytes (accented letters and emoji count as 2–4).`;
  }
  if (common().has(password.toLowerCase())) return 'This password is too common; choose another.';
  return undefined;
}
