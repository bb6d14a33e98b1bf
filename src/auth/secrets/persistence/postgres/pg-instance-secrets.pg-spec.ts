import { usePgDatabase } from '../../../../../test/helpers/pg-repository';
import { describeInstanceSecretsContract } from '../../instance-secrets.contract';
import { PgInstanceSecrets } from './pg-instance-secrets';

const pg = usePgDatabase(['instance_settings']);

describeInstanceSecretsContract('postgres', async () => {
  await pg.truncate();
  return { secrets: new PgInstanceSecrets(pg.db) };
});

describe('PgInstanceSecrets on two hosts (two pools)', () => {
  beforeEach(() => pg.truncate());

  it('hosts starting together agree on one session secret and one setup token', async () => {
    const hosts = [new PgInstanceSecrets(pg.db), new PgInstanceSecrets(pg.otherHost)];
    for (const name of ['session_secret', 'setup_token_sha256'] as const) {
      const values = await Promise.all(
        Array.from({ length: 10 }, (_, i) => hosts[i % 2].getOrCreate(name, () => `${name}-${i}`)),
      );
      expect(new Set(values).size).toBe(1);
    }
    const { rows } = await pg.db.query<{ key: string }>('SELECT key FROM instance_settings ORDER BY key');
    expect(rows.map((r) => r.key)).toEqual(['session_secret', 'setup_token_sha256']);
  });

  it('a host started later reads the kept value', async () => {
    const first = await new PgInstanceSecrets(pg.db).getOrCreate('session_secret', () => 'a'.repeat(64));
    await expect(new PgInstanceSecrets(pg.otherHost).getOrCreate('session_secret', () => 'b')).resolves.toBe(first);
  });
});
