import { Logger } from '@nestjs/common';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AppConfig } from '../../config/app-config';
import { SessionSecretService } from '../session/session-secret.service';
import { describeInstanceSecretsContract } from './instance-secrets.contract';
import { FileInstanceSecrets, SESSION_SECRET_FILE } from './persistence/json/file-instance-secrets';
import { MemoryInstanceSecrets } from './persistence/memory/memory-instance-secrets';

beforeAll(() => Logger.overrideLogger(false));

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-secrets-'));
const files = (dataDir: string) => new FileInstanceSecrets({ dataDir } as AppConfig);

describeInstanceSecretsContract('memory', () => Promise.resolve({ secrets: new MemoryInstanceSecrets() }));

describeInstanceSecretsContract('files', () => {
  const dir = tempDir();
  return Promise.resolve({ secrets: files(dir), cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) });
});

describe('FileInstanceSecrets', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps the session secret in DATA_DIR/.session-secret (0600), shared by a second instance (another worker)', async () => {
    const secret = await files(dir).getOrCreate('session_secret', () => 'x'.repeat(64));
    const file = path.join(dir, SESSION_SECRET_FILE);
    expect(fs.readFileSync(file, 'utf8')).toBe(secret);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    await expect(files(dir).getOrCreate('session_secret', () => 'y'.repeat(64))).resolves.toBe(secret);
  });

  it('keeps the setup token in the process only (nothing on disk)', async () => {
    await files(dir).getOrCreate('setup_token_sha256', () => 'token-a');
    expect(fs.readdirSync(dir)).toEqual([]);
    await expect(files(dir).getOrCreate('setup_token_sha256', () => 'token-b')).resolves.toBe('token-b');
  });

  it('refuses a kept session secret shorter than 32 characters, naming the file', async () => {
    fs.writeFileSync(path.join(dir, SESSION_SECRET_FILE), 'short');
    await expect(files(dir).getOrCreate('session_secret', () => 'x'.repeat(64))).rejects.toThrow(SESSION_SECRET_FILE);
  });
});

describe('SessionSecretService', () => {
  it('uses SESSION_SECRET without asking the store', async () => {
    const secrets = new MemoryInstanceSecrets();
    const spy = jest.spyOn(secrets, 'getOrCreate');
    const service = new SessionSecretService({ sessionSecret: 'from-env-'.repeat(5) } as AppConfig, secrets);
    expect(service.secret).toBe('from-env-'.repeat(5));
    await expect(service.load()).resolves.toBe('from-env-'.repeat(5));
    expect(spy).not.toHaveBeenCalled();
  });

  it('without SESSION_SECRET: loads a generated one (48 random bytes) once, then reads it synchronously', async () => {
    const secrets = new MemoryInstanceSecrets();
    const spy = jest.spyOn(secrets, 'getOrCreate');
    const service = new SessionSecretService({} as AppConfig, secrets);
    expect(() => service.secret).toThrow('before load()');
    const [a, b] = await Promise.all([service.load(), service.load()]);
    expect(a).toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(service.secret).toBe(a);
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('a failed load is tried again by the next call', async () => {
    const secrets = new MemoryInstanceSecrets();
    jest.spyOn(secrets, 'getOrCreate').mockRejectedValueOnce(new Error('database down'));
    const service = new SessionSecretService({} as AppConfig, secrets);
    await expect(service.load()).rejects.toThrow('database down');
    await expect(service.load()).resolves.toHaveLength(64);
  });
});
