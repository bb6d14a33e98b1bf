import { Injectable, Logger } from '@nestjs/common';
import { Database } from '../../../../persistence/postgres/database';
import { InstanceSecretName, InstanceSecrets } from '../../instance-secrets';

/**
 * Postgres mode: secrets in `instance_settings` (migration 1), one row per name. The first process to
 * need one inserts its candidate (INSERT ... ON CONFLICT DO NOTHING) and every process then reads the
 * row that won, so hosts starting together agree. Nothing is written under DATA_DIR.
 */
@Injectable()
export class PgInstanceSecrets extends InstanceSecrets {
  private readonly logger = new Logger('Session');

  constructor(private readonly db: Database) {
    super();
  }

  async getOrCreate(name: InstanceSecretName, candidate: () => string): Promise<string> {
    const kept = await this.read(name);
    if (kept !== undefined) return kept;
    const { rowCount } = await this.db.query(
      'INSERT INTO instance_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING',
      [name, candidate()],
    );
    if (rowCount === 1 && name === 'session_secret') {
      this.logger.warn('SESSION_SECRET is not set: generated one and kept it in the database (instance_settings)');
    }
    const value = await this.read(name);
    if (value === undefined) throw new Error(`instance_settings has no ${name} right after it was written`);
    return value;
  }

  private async read(name: InstanceSecretName): Promise<string | undefined> {
    const { rows } = await this.db.query<{ value: string }>('SELECT value FROM instance_settings WHERE key = $1', [
      name,
    ]);
    return rows[0]?.value;
  }
}
