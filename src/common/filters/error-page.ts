import type { Request, Response } from 'express';
import { isApiRequest } from '../http/request-info';

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Not logged in',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  413: 'Request too large',
  429: 'Too many requests',
  500: 'Something went wrong',
  503: 'Service unavailable',
};

/** One place that turns a status and a safe message into an HTML page, or JSON under /api. */
export function sendError(
  req: Request,
  res: Response,
  status: number,
  message: string,
  jsonDetails: Record<string, unknown> = {},
): void {
  if (res.headersSent) return;
  if (isApiRequest(req) || (req.accepts(['html', 'json']) === 'json' && !req.accepts('html'))) {
    res.status(status).json({ error: message, ...jsonDetails });
    return;
  }
  const title = TITLES[status] ?? (status >= 500 ? TITLES[500] : 'Error');
  res.status(status).render('errors/error', { status, title, message, pageTitle: title }, (err, html) => {
    if (err) res.type('text/plain').send(`${status} ${title}`);
    else res.send(html);
  });
}
