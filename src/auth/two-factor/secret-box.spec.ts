import { SessionSecretService } from '../session/session-secret.service';
import { SecretBox } from './secret-box';

const boxWith = (secret: string) => new SecretBox({ secret } as SessionSecretService);

describe('SecretBox', () => {
  it('seals so that the text does not show, and opens again', () => {
    const box = boxWith('a-session-secret-of-at-least-32-characters');
    const sealed = box.seal('JBSWY3DPEHPK3PXP');
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(box.seal('JBSWY3DPEHPK3PXP')).not.toBe(sealed); // a fresh IV each time
    expect(box.open(sealed)).toBe('JBSWY3DPEHPK3PXP');
  });

  it('opens nothing sealed under another session secret, or damaged', () => {
    const sealed = boxWith('a-session-secret-of-at-least-32-characters').seal('JBSWY3DPEHPK3PXP');
    expect(boxWith('another-session-secret-of-32-characters!').open(sealed)).toBeUndefined();
    const box = boxWith('a-session-secret-of-at-least-32-characters');
    expect(box.open(`${sealed.slice(0, -2)}AA`)).toBeUndefined();
    expect(box.open('v2.abc')).toBeUndefined();
    expect(box.open('garbage')).toBeUndefined();
  });

  it('reads the session secret only when first used (the CLI never creates one)', () => {
    const secrets = {
      get secret(): string {
        throw new Error('read');
      },
    } as SessionSecretService;
    expect(() => new SecretBox(secrets)).not.toThrow();
  });
});
