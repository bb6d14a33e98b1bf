/** Telling PostgreSQL failures apart, and describing them in one line without credentials. */

/** Socket-level codes that mean "no usable connection to the server". */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EPIPE',
]);

/**
 * SQLSTATEs of a server that is going away or not accepting us yet: admin_shutdown, crash_shutdown,
 * cannot_connect_now (starting up / shutting down); class 08 is "connection exception".
 */
const SERVER_GONE_STATES = new Set(['57P01', '57P02', '57P03']);

/** Messages node-postgres uses for a dead or never-established connection (no code attached). */
const CONNECTION_MESSAGES = [
  'Connection terminated',
  'connection timeout',
  'timeout exceeded when trying to connect',
  'timeout expired',
  'is not queryable',
  'Client was closed and is not queryable',
];

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : '';
}

/** True when `error` means "cannot reach the database" (as opposed to a bad query or a constraint). */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof AggregateError) return error.errors.some(isConnectionError);
  const code = codeOf(error);
  const message = messageOf(error);
  if (code !== undefined) {
    if (NETWORK_CODES.has(code) || SERVER_GONE_STATES.has(code) || code.startsWith('08')) return true;
    // A unix socket path that does not exist (not any file-system ENOENT).
    if (code === 'ENOENT' && message.startsWith('connect ')) return true;
  }
  return CONNECTION_MESSAGES.some((known) => message.includes(known));
}

/** Serialization failure or deadlock: the transaction was rolled back and may simply be run again. */
export function isRetryableTransactionError(error: unknown): boolean {
  const code = codeOf(error);
  return code === '40001' || code === '40P01';
}

/** `host:port/database` of a connection URL, without user or password. */
export function describeDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const host = parsed.hostname || parsed.searchParams.get('host') || 'localhost';
    const port = parsed.port || parsed.searchParams.get('port') || '5432';
    const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || decodeURIComponent(parsed.username);
    return `${host}:${port}/${database}`;
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

/** Collapses whitespace so a multi-line message stays one line. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Removes `user:password@` from any URL in `text`, and the password of `url` wherever it appears. */
export function redactCredentials(text: string, url?: string): string {
  let result = text.replace(/(\w+:\/\/)[^\s/@]*@/g, '$1***@');
  if (url) {
    let password = '';
    try {
      password = decodeURIComponent(new URL(url).password);
    } catch {
      // unparseable: the generic replacement above is all we can do
    }
    if (password.length > 0) result = result.split(password).join('***');
  }
  return result;
}

/**
 * Why a connection attempt or query failed, in a few words: the socket code (ECONNREFUSED,
 * ENOTFOUND...), "timed out", or the server's message (authentication, unknown database...).
 */
export function connectionFailureReason(error: unknown, url?: string): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    const reasons = [...new Set(error.errors.map((inner) => connectionFailureReason(inner, url)))];
    return reasons.join(', ');
  }
  const code = codeOf(error);
  const message = messageOf(error);
  if (code !== undefined && (NETWORK_CODES.has(code) || code === 'ENOENT')) return code;
  if (/timeout/i.test(message) && /connect/i.test(message)) return 'timed out connecting';
  const text = oneLine(redactCredentials(message || String(error), url));
  return text.length > 0 ? text : 'unknown error';
}
