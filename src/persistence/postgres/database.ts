import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { Pool, PoolClient, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import { AppConfig } from '../../config/app-config';
import { connectionFailureReason, describeDatabaseUrl, isRetryableTransactionError, oneLine } from './pg-errors';

export interface DatabaseOptions {
  /** postgres:// connection string (holds the password: never log it; see `target`). */
  url: string;
  /** Connections per process (DATABASE_POOL_SIZE). */
  poolSize?: number;
  applicationName?: string;
  /** Waiting for a connection (new or from a busy pool) fails after this long. */
  connectionTimeoutMs?: number;
  /** Server-side cap on one statement, lock waits included. */
  statementTimeoutMs?: number;
  /** The server ends a session left idle inside a transaction this long (a leaked transaction holds locks). */
  idleInTransactionTimeoutMs?: number;
}

export type IsolationLevel = 'read committed' | 'repeatable read' | 'serializable';

export interface TransactionOptions {
  /** Default: the server's (read committed). Only the outermost transaction sets it. */
  isolation?: IsolationLevel;
  /**
   * Runs of the whole transaction when it fails with a serialization failure (40001) or a deadlock
   * (40P01), with a random pause between runs. Default 4; 1 disables retries. The callback must be
   * safe to run again: only database side effects, which the failed run's rollback undid.
   */
  maxAttempts?: number;
}

/** Thrown by `connectOrFail`: the one line start-up prints. Never contains the URL's credentials. */
export class DatabaseUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUnavailableError';
  }
}

/** The connection a piece of code runs on, found through AsyncLocalStorage. */
interface Session {
  client: PoolClient;
  inTransaction: boolean;
  /** Set when the transaction/connection is over: a query from a promise that escaped it is a bug. */
  ended: boolean;
}

/** Key space of unit locks: the two-int advisory keys never collide with single bigint keys (migrations). */
const ADVISORY_NAMESPACE = 0x4748; // "GH"
export const SERVER_VERSION_MIN = 150000;

/**
 * The process's PostgreSQL pool. `query` runs on the current transaction's connection when called
 * inside `transaction`/`withConnection` (AsyncLocalStorage), so repositories join a transaction without
 * being handed a client; elsewhere it takes any pooled connection.
 */
export class Database implements OnApplicationShutdown {
  private readonly logger = new Logger('Database');
  private readonly pool: Pool;
  private readonly als = new AsyncLocalStorage<Session>();
  private closing?: Promise<void>;
  /** host:port/database, without credentials: safe to log. */
  readonly target: string;

  constructor(private readonly options: DatabaseOptions) {
    this.target = describeDatabaseUrl(options.url);
    this.pool = new Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      application_name: options.applicationName ?? 'gatehouse',
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
      statement_timeout: options.statementTimeoutMs ?? 30000,
      idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? 60000,
      idleTimeoutMillis: 10000,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10000,
    });
    // An idle connection that dies (server restart, failover, network) is dropped by the pool, which
    // then emits 'error': without a listener that would be an uncaught exception.
    this.pool.on('error', (error) => this.logger.warn(`Idle database connection lost: ${this.reason(error)}`));
  }

  static fromConfig(config: AppConfig): Database {
    if (!config.databaseUrl) throw new Error('Database needs DATABASE_URL (STORE=postgres)');
    return new Database({ url: config.databaseUrl, poolSize: config.databasePoolSize });
  }

  /** Whether the caller runs inside `transaction` (its queries share one connection and commit together). */
  get inTransaction(): boolean {
    const session = this.als.getStore();
    return session !== undefined && session.inTransaction && !session.ended;
  }

  /** One statement (or several, without params), on the current transaction's connection if there is one. */
  async query<T extends QueryResultRow = QueryResultRow>(
    sql: string,
    params?: readonly unknown[],
  ): Promise<QueryResult<T>> {
    const session = this.als.getStore();
    const values = params ? [...params] : undefined;
    if (session === undefined) return this.pool.query<T>(sql, values);
    if (session.ended) {
      throw new Error('Database.query after its transaction ended: a promise escaped the transaction callback');
    }
    return session.client.query<T>(sql, values);
  }

  /**
   * Runs `fn` in one transaction: BEGIN, fn, COMMIT; ROLLBACK when it throws (and rethrow). A call
   * inside a transaction joins it (no savepoint: an error inside aborts the whole transaction).
   * Serialization failures and deadlocks rerun the whole transaction (see TransactionOptions).
   */
  async transaction<T>(fn: () => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const current = this.als.getStore();
    if (current && current.inTransaction && !current.ended) return fn();
    const maxAttempts = Math.max(1, options.maxAttempts ?? 4);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.runTransaction(fn, current && !current.ended ? current : undefined, options.isolation);
      } catch (error) {
        if (attempt >= maxAttempts || !isRetryableTransactionError(error)) throw error;
        // Full jitter, growing: 0-50 ms, 0-100 ms, 0-200 ms... so the competitors do not collide again.
        await sleep(Math.random() * 25 * 2 ** attempt);
      }
    }
  }

  /**
   * Runs `fn` with one connection of its own (queries inside share it; `transaction` inside uses it).
   * For session state such as session-level advisory locks. The connection is discarded, not
   * pooled, when `fn` throws (its session state is unknown then).
   */
  async withConnection<T>(fn: () => Promise<T>): Promise<T> {
    const current = this.als.getStore();
    if (current && !current.ended) return fn();
    const client = await this.checkout();
    const session: Session = { client, inTransaction: false, ended: false };
    let failed = false;
    try {
      return await this.als.run(session, fn);
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      session.ended = true;
      this.release(client, failed);
    }
  }

  /**
   * Waits for the transaction-scoped advisory lock `name` (released at COMMIT/ROLLBACK): serialises
   * every transaction that takes the same name, on any connection of any host. Needs a transaction.
   */
  async advisoryXactLock(name: string): Promise<void> {
    this.requireTransaction('advisoryXactLock');
    await this.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [ADVISORY_NAMESPACE, name]);
  }

  /** Takes the advisory lock `name` if nobody holds it (true), else returns false at once. Needs a transaction. */
  async tryAdvisoryXactLock(name: string): Promise<boolean> {
    this.requireTransaction('tryAdvisoryXactLock');
    const result = await this.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS locked',
      [ADVISORY_NAMESPACE, name],
    );
    return result.rows[0].locked;
  }

  /**
   * `SELECT 1` on the pool (never on the caller's transaction) that fails after `timeoutMs` whatever
   * happens: no server, a full pool, or a network that swallows packets.
   */
  async ping(timeoutMs: number): Promise<void> {
    const config: QueryConfig & { query_timeout: number } = { text: 'SELECT 1', query_timeout: timeoutMs };
    const attempt = this.pool.query(config);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([attempt, deadline]);
    } finally {
      clearTimeout(timer);
      attempt.catch(() => undefined); // a late failure after the deadline is already answered
    }
  }

  /**
   * For start-up: connects once and checks the server version, or throws DatabaseUnavailableError with
   * one line naming the database (host:port/name, never the credentials) and the reason.
   */
  async connectOrFail(): Promise<void> {
    let versionNum: number;
    try {
      const result = await this.query<{ server_version_num: string }>('SHOW server_version_num');
      versionNum = Number(result.rows[0].server_version_num);
    } catch (error) {
      throw new DatabaseUnavailableError(`cannot connect to the database at ${this.target} (${this.reason(error)})`);
    }
    if (versionNum < SERVER_VERSION_MIN) {
      const version = `${Math.floor(versionNum / 10000)}.${versionNum % 10000}`;
      throw new DatabaseUnavailableError(
        `the database at ${this.target} runs PostgreSQL ${version}; Gatehouse needs 15 or newer`,
      );
    }
  }

  /** Ends every connection (waits for the ones in use). Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= this.pool.end();
    return this.closing;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  /** One line, credentials removed: for logs and start-up errors. */
  private reason(error: unknown): string {
    return connectionFailureReason(error, this.options.url);
  }

  private requireTransaction(what: string): void {
    if (!this.inTransaction) throw new Error(`${what} needs a transaction (call it inside Database.transaction)`);
  }

  private async runTransaction<T>(
    fn: () => Promise<T>,
    connection: Session | undefined,
    isolation: IsolationLevel | undefined,
  ): Promise<T> {
    const client = connection ? connection.client : await this.checkout();
    const session: Session = { client, inTransaction: true, ended: false };
    let broken = false;
    try {
      await client.query(isolation ? `BEGIN ISOLATION LEVEL ${isolation.toUpperCase()}` : 'BEGIN');
      const result = await this.als.run(session, fn);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true; // the connection is gone (which also ended the transaction)
      }
      throw error;
    } finally {
      session.ended = true;
      if (!connection) this.release(client, broken);
    }
  }

  private async checkout(): Promise<PoolClient> {
    const client = await this.pool.connect();
    // A checked-out client has no pool listener: a connection that dies now emits 'error' on it.
    client.on('error', this.onClientError);
    return client;
  }

  private release(client: PoolClient, destroy: boolean): void {
    client.removeListener('error', this.onClientError);
    client.release(destroy || undefined);
  }

  private readonly onClientError = (error: Error): void => {
    // The query in flight rejects with the same error; the pool discards the client on release.
    this.logger.warn(`Database connection lost while in use: ${oneLine(this.reason(error))}`);
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
