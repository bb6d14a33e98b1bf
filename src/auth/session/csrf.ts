import { csrfSync } from 'csrf-sync';
import type { Request } from 'express';

/** The token a request carries: the `_csrf` form field, else the `x-csrf-token` header (JSON clients). */
export function csrfTokenFromRequest(req: Request): string | undefined {
  const fromBody = (req.body as Record<string, unknown> | undefined)?._csrf;
  if (typeof fromBody === 'string') return fromBody;
  const header = req.headers['x-csrf-token'];
  return typeof header === 'string' ? header : undefined;
}

/**
 * Synchronizer tokens kept in the session (csrf-sync), for logged-in requests. Visitors who are not
 * logged in have no session: their forms carry the stateless token of anonymous-csrf.ts.
 */
export const csrf = csrfSync({ getTokenFromRequest: csrfTokenFromRequest, size: 32 });
