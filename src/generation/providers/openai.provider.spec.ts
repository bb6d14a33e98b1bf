import { scrubSecrets } from './openai.provider';

describe('scrubSecrets', () => {
  it('removes the configured key, key-shaped strings and bearer tokens', () => {
    const key = 'my-custom-key-123456';
    const message = `401: Incorrect API key provided: ${key}. Also sk-proj-AbC123xyz and sk-ab**********cd. Authorization: Bearer abc.def`;
    const out = scrubSecrets(message, [key]);
    expect(out).not.toContain(key);
    expect(out).not.toContain('AbC123xyz');
    expect(out).not.toContain('abc.def');
    expect(out).toBe(
      '401: Incorrect API key provided: [redacted]. Also sk-[redacted] and sk-[redacted]. Authorization: Bearer [redacted]',
    );
  });

  it('caps the length', () => {
    expect(scrubSecrets('x'.repeat(2000), [])).toHaveLength(500);
  });

  it('ignores an unset key', () => {
    expect(scrubSecrets('plain message', [undefined])).toBe('plain message');
  });
});
