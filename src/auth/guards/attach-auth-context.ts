import type { Request, Response } from 'express';
import type { AuthContext } from '../auth-context';

/**
 * Hands the authentication answer to the rest of the request: `req.auth` (always set, even to
 * undefined, so later code can tell "anonymous" from "nobody asked"), and for a fully logged-in user
 * `req.user` (for @CurrentUser and the access log) and the views' `currentUser`.
 */
export function attachAuthContext(req: Request, res: Response, auth: AuthContext | undefined): void {
  req.auth = auth;
  if (auth && !auth.mfaPending) {
    req.user = auth.user;
    res.locals.currentUser = auth.user;
    res.locals.isAdmin = auth.user.role === 'admin';
    res.setHeader('Cache-Control', 'no-store');
  }
}
