import type { Request } from 'express';
import { isIPv4, isIPv6 } from 'node:net';

/**
 * Answered in JSON, errors included: /api/*, and any request carrying a bearer token (a script's,
 * e.g. `GET /download/<id>.zip` with a personal API token, or a token refused on a page).
 */
export function isApiRequest(req: Request): boolean {
  return req.path === '/api' || req.path.startsWith('/api/') || /^\s*Bearer\b/i.test(req.headers?.authorization ?? '');
}

/**
 * The origin to put in links a person will copy (invite and reset links): PUBLIC_URL when set, else
 * `scheme://host` as this request reached us. The Host header is the client's to choose, so behind a
 * proxy or on a shared address set PUBLIC_URL rather than trust it.
 */
export function linkOrigin(req: Request, publicUrl: string | undefined, fallbackHost: string): string {
  return publicUrl ?? `${req.protocol}://${req.get('host') ?? fallbackHost}`;
}

/** express's req.ip honours `trust proxy`: X-Forwarded-For counts only when TRUST_PROXY is set. */
export function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

/**
 * The key a client IP is throttled under (SPEC §5): an IPv4 address as it is (also when it arrives
 * IPv4-mapped, `::ffff:1.2.3.4`), an IPv6 address by its /64 prefix (`2001:db8:0:1::/64`), because
 * one subscriber usually holds a whole /64 and could otherwise spread attempts over 2^64 addresses.
 * Compressed and expanded spellings of one address give the same key. Anything else is kept as is.
 */
export function ipKey(ip: string): string {
  const address = ip.trim().replace(/%.*$/, ''); // an IPv6 zone id (fe80::1%eth0) is not part of the address
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return ip;
  const groups = ipv6Groups(address);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail converted). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const parse = (part: string) => (part ? part.split(':').map((h) => parseInt(h, 16)) : []);
  const [head, tail] = text.split('::');
  if (tail === undefined) return parse(head);
  const before = parse(head);
  const after = parse(tail);
  return [...before, ...new Array<number>(8 - before.length - after.length).fill(0), ...after];
}

/** Form fields never echoed back into a re-rendered page. */
export function safeFormValues(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null) return {};
  return Object.fromEntries(
    Object.entries(body as Record<string, unknown>).filter(([key]) => !/password|^_csrf$/i.test(key)),
  );
}
