import type { Request } from 'express';

export function isApiRequest(req: Request): boolean {
  return req.path === '/api' || req.path.startsWith('/api/');
}

/** express's req.ip honours `trust proxy`: X-Forwarded-For counts only when TRUST_PROXY is set. */
export function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

/** Form fields never echoed back into a re-rendered page. */
export function safeFormValues(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null) return {};
  return Object.fromEntries(
    Object.entries(body as Record<string, unknown>).filter(([key]) => !/password|^_csrf$/i.test(key)),
  );
}
