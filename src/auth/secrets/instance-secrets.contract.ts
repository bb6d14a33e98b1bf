import { InstanceSecrets } from './instance-secrets';

/** What every InstanceSecrets must do (run by instance-secrets.spec.ts and the .pg-spec.ts). */
export function describeInstanceSecretsContract(
  name: string,
  make: () => Promise<{ secrets: InstanceSecrets; cleanup?: () => Promise<void> | void }>,
): void {
  describe(`InstanceSecrets contract: ${name}`, () => {
    let secrets: InstanceSecrets;
    let cleanup: (() => Promise<void> | void) | undefined;
    beforeEach(async () => {
      ({ secrets, cleanup } = await make());
    });
    afterEach(async () => {
      await cleanup?.();
    });

    const long = (c: string) => c.repeat(48);

    it('keeps the first candidate and returns it from then on, without asking for another', async () => {
      await expect(secrets.getOrCreate('session_secret', () => long('a'))).resolves.toBe(long('a'));
      const second = jest.fn(() => long('b'));
      await expect(secrets.getOrCreate('session_secret', second)).resolves.toBe(long('a'));
      expect(second).not.toHaveBeenCalled();
    });

    it('keeps each name apart', async () => {
      await secrets.getOrCreate('session_secret', () => long('s'));
      await expect(secrets.getOrCreate('setup_token_sha256', () => 'token-1')).resolves.toBe('token-1');
      await expect(secrets.getOrCreate('setup_token_sha256', () => 'token-2')).resolves.toBe('token-1');
      await expect(secrets.getOrCreate('session_secret', () => long('x'))).resolves.toBe(long('s'));
    });

    it('concurrent first calls all get one value', async () => {
      const values = await Promise.all(
        Array.from({ length: 8 }, (_, i) => secrets.getOrCreate('session_secret', () => long(String(i)))),
      );
      expect(new Set(values).size).toBe(1);
    });
  });
}
