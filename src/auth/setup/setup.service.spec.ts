import { Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { FirstAdminService } from '../../users/first-admin.service';
import { MemoryInstanceSecrets } from '../secrets/persistence/memory/memory-instance-secrets';
import { SetupService } from './setup.service';

beforeAll(() => Logger.overrideLogger(false));

describe('SetupService token (shared through InstanceSecrets as a hash)', () => {
  const firstAdmin = {} as FirstAdminService;
  const tokenOf = (service: SetupService) => (service as unknown as { token?: string }).token;

  it('two processes on one store accept the token the first one generated; the store holds only its hash', async () => {
    const store = new MemoryInstanceSecrets();
    const first = new SetupService(firstAdmin, {} as AppConfig, store);
    const second = new SetupService(firstAdmin, {} as AppConfig, store);
    await first.onModuleInit();
    await second.onModuleInit();
    const token = tokenOf(first)!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(tokenOf(second)).toBeUndefined(); // it cannot print it...
    expect(second.tokenMatches(token)).toBe(true); // ...but accepts it
    expect(second.tokenMatches(`${token}x`)).toBe(false);
    expect(second.tokenMatches(undefined)).toBe(false);
    const kept = await store.getOrCreate('setup_token_sha256', () => 'unused');
    expect(kept).toMatch(/^[0-9a-f]{64}$/);
    expect(kept).not.toContain(token);
  });

  it('the cluster primary hands its workers one token: every worker can print it', async () => {
    const store = new MemoryInstanceSecrets();
    const config = { generatedSetupToken: 'from-the-primary-0123456789abcdef' } as AppConfig;
    const workers = [new SetupService(firstAdmin, config, store), new SetupService(firstAdmin, config, store)];
    for (const worker of workers) await worker.onModuleInit();
    expect(workers.map(tokenOf)).toEqual([config.generatedSetupToken, config.generatedSetupToken]);
  });

  it('ADMIN_SETUP_TOKEN wins and is not stored', async () => {
    const store = new MemoryInstanceSecrets();
    const spy = jest.spyOn(store, 'getOrCreate');
    const service = new SetupService(firstAdmin, { adminSetupToken: 'operator-chosen-token' } as AppConfig, store);
    await service.onModuleInit();
    expect(service.tokenMatches('operator-chosen-token')).toBe(true);
    expect(spy).not.toHaveBeenCalled();
  });
});
