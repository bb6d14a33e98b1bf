import { Injectable } from '@nestjs/common';
import { Database } from './database';
import { StoreHealth } from '../store-health';

/** How long /healthz waits for the database before calling it down. */
export const HEALTH_TIMEOUT_MS = 1000;

/** For GET /healthz in postgres mode (SPEC §10): can this process query the database right now? */
@Injectable()
export class PgStoreHealth extends StoreHealth {
  constructor(private readonly db: Database) {
    super();
  }

  /** `SELECT 1` within ~1 s: true, or false (never throws, never hangs) while the database is unreachable. */
  async healthy(): Promise<boolean> {
    try {
      await this.db.ping(HEALTH_TIMEOUT_MS);
      return true;
    } catch {
      return false;
    }
  }
}
