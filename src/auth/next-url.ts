/** SPEC §5: follow `next` only when it is a local path (`/x`, not `//x`, not `/\x`, no scheme). */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || next.length === 0 || next.length > 2000) return '/';
  if (!next.startsWith('/') || next.startsWith('//') || next.includes('\\')) return '/';
  // Control characters and whitespace can be stripped by browsers into something else.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point here
  if (/[\u0000-\u001f\u007f\s]/.test(next)) return '/';
  try {
    const resolved = new URL(next, 'http://gatehouse.invalid');
    if (resolved.host !== 'gatehouse.invalid') return '/';
  } catch {
    return '/';
  }
  return next;
}
