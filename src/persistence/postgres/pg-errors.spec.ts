import {
  connectionFailureReason,
  describeDatabaseUrl,
  isConnectionError,
  isRetryableTransactionError,
  redactCredentials,
} from './pg-errors';

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** it.each rows titled by the error's message, not its stack. */
function titled(errors: unknown[]): Array<[string, unknown]> {
  return errors.map((error) => [error instanceof Error ? error.message || error.name : String(error), error]);
}

describe('PostgreSQL error helpers', () => {
  it.each(
    titled([
      withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
      withCode('getaddrinfo ENOTFOUND db.internal', 'ENOTFOUND'),
      withCode('read ECONNRESET', 'ECONNRESET'),
      withCode('connect ENOENT /var/run/postgresql/.s.PGSQL.5432', 'ENOENT'),
      withCode('terminating connection due to administrator command', '57P01'),
      withCode('the database system is starting up', '57P03'),
      withCode('connection failure', '08006'),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      new Error('Client has encountered a connection error and is not queryable'),
      new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')]),
    ]),
  )('isConnectionError: %s', (_title, error) => {
    expect(isConnectionError(error)).toBe(true);
  });

  it.each(
    titled([
      withCode('duplicate key value violates unique constraint "users_pkey"', '23505'),
      withCode('syntax error at or near "SELEC"', '42601'),
      withCode('could not serialize access', '40001'),
      withCode("ENOENT: no such file or directory, open 'x'", 'ENOENT'),
      new Error('boom'),
      'a string',
      undefined,
    ]),
  )('not a connection error: %s', (_title, error) => {
    expect(isConnectionError(error)).toBe(false);
  });

  it('retries serialization failures and deadlocks only', () => {
    expect(isRetryableTransactionError(withCode('x', '40001'))).toBe(true);
    expect(isRetryableTransactionError(withCode('x', '40P01'))).toBe(true);
    expect(isRetryableTransactionError(withCode('x', '23505'))).toBe(false);
    expect(isRetryableTransactionError(new Error('x'))).toBe(false);
  });

  it('describes a URL as host:port/database without credentials', () => {
    expect(describeDatabaseUrl('postgres://gh:pw@db.internal:5433/gatehouse?sslmode=require')).toBe(
      'db.internal:5433/gatehouse',
    );
    expect(describeDatabaseUrl('postgresql://gh:pw@db/gatehouse')).toBe('db:5432/gatehouse');
    expect(describeDatabaseUrl('postgres:///gatehouse?host=/var/run/postgresql')).toBe(
      '/var/run/postgresql:5432/gatehouse',
    );
    expect(describeDatabaseUrl('postgres://gh:pw@db')).toBe('db:5432/gh');
    expect(describeDatabaseUrl('::nonsense pw')).not.toContain('pw');
  });

  it('redacts credentials from any URL and the password wherever it appears', () => {
    const url = 'postgres://gh:p%40ss-w0rd@db/gatehouse';
    expect(redactCredentials('failed for postgres://gh:p%40ss-w0rd@db/gatehouse', url)).toBe(
      'failed for postgres://***@db/gatehouse',
    );
    expect(redactCredentials('echo p@ss-w0rd here', url)).toBe('echo *** here');
  });

  it('reasons in a few words, on one line', () => {
    expect(connectionFailureReason(withCode('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'))).toBe('ECONNREFUSED');
    expect(connectionFailureReason(new Error('timeout exceeded when trying to connect'))).toBe('timed out connecting');
    expect(connectionFailureReason(new Error('Connection terminated due to connection timeout'))).toBe(
      'timed out connecting',
    );
    expect(
      connectionFailureReason(
        withCode('password authentication failed for user "gh"', '28P01'),
        'postgres://gh:x@db/g',
      ),
    ).toBe('password authentication failed for user "gh"');
    expect(connectionFailureReason(new Error('line one\n  line two'))).toBe('line one line two');
    expect(
      connectionFailureReason(
        new AggregateError([withCode('a', 'ECONNREFUSED'), withCode('b', 'ECONNREFUSED'), withCode('c', 'ETIMEDOUT')]),
      ),
    ).toBe('ECONNREFUSED, ETIMEDOUT');
  });
});
