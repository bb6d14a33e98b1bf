import { isConnectionError } from './postgres/pg-errors';

/** What a visitor reads while the store cannot be reached (page or JSON `error`). */
export const STORE_UNAVAILABLE_MESSAGE = 'The service is temporarily unavailable. Please try again in a moment.';
/** Seconds a client is told to wait before trying again. */
export const STORE_UNAVAILABLE_RETRY_AFTER = 5;

/**
 * True when `error` means "the store cannot be reached right now" (postgres mode: no connection to the
 * database, a connection lost mid-query, a server shutting down), as opposed to a bug or a bad query:
 * HTTP answers 503 for it, not 500, and logs one line without a stack.
 */
export function isStoreUnavailable(error: unknown): boolean {
  return isConnectionError(error);
}
