import { Injectable } from '@nestjs/common';
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { SessionSecretService } from '../session/session-secret.service';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Seals TOTP secrets for storage: AES-256-GCM under a key derived (HKDF-SHA-256) from the session
 * secret, so two-factor.json alone (a backup, a copied file, a database dump) does not give away the
 * secrets. The key is derived on first use only, so code paths that never seal or open a secret (the
 * CLI's reset-2fa) never read or create `.session-secret`. See docs/DECISIONS.md.
 */
@Injectable()
export class SecretBox {
  private key: Buffer | undefined;

  constructor(private readonly sessionSecret: SessionSecretService) {}

  /** A box under a given session secret (import-files re-seals from the files site's secret to the database's). */
  static forSecret(secret: string): SecretBox {
    return new SecretBox({ secret } as SessionSecretService);
  }

  seal(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keyBytes(), iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  /** Undefined when the value was sealed under another key (the session secret changed) or is damaged. */
  open(sealed: string): string | undefined {
    const [version, payload] = sealed.split('.');
    if (version !== VERSION || !payload) return undefined;
    const bytes = Buffer.from(payload, 'base64url');
    if (bytes.length <= IV_BYTES + TAG_BYTES) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.keyBytes(), bytes.subarray(0, IV_BYTES));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }

  private keyBytes(): Buffer {
    this.key ??= Buffer.from(
      hkdfSync('sha256', this.sessionSecret.secret, 'gatehouse', 'two-factor totp secret v1', 32),
    );
    return this.key;
  }
}
