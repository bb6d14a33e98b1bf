import { csrfSync } from 'csrf-sync';
import type { Request } from 'express';

/**
 * Synchronizer tokens kept in the session (csrf-sync). Forms send `_csrf`; JSON clients send the
 * `x-csrf-token` header.
 */
export const csrf = csrfSync({
  getTokenFromRequest: (req: Request) => {
    const fromBody = (req.body as Record<string, unknown> | undefined)?._csrf;
    if (typeof fromBody === 'string') return fromBody;
    const header = req.headers['x-csrf-token'];
    return typeof header === 'string' ? header : undefined;
  },
  size: 32,
});
