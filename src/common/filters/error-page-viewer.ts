import type { Request, Response } from 'express';

/**
 * Who is looking at an error page that no route produced (an unmatched URL: no guard ran). The auth
 * module provides it, so a logged-in user's 404 page keeps their navigation and the access log their
 * id; common code depends only on this seam, not on auth.
 */
export abstract class ErrorPageViewer {
  /** Attaches the viewer to the request and the view locals, as the authentication guard does. */
  abstract attach(req: Request, res: Response): Promise<void>;
}
