/**
 * PostgreSQL `text` and `jsonb` cannot hold U+0000, which a visitor can type (a login's username, an
 * invite code); a parameter holding it makes the statement fail (22021 / 22P05). Repositories answer
 * "not found" for such lookups (no stored value can contain it) and clean text they must store.
 */
export function hasNul(value: string): boolean {
  return value.includes('\u0000');
}

/** A deep copy with every U+0000 in strings (values and keys) replaced by U+FFFD. */
export function withoutNul<T>(value: T): T {
  if (typeof value === 'string') return (hasNul(value) ? value.replaceAll('\u0000', '\uFFFD') : value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => withoutNul(item)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, item]) => [withoutNul(key), withoutNul(item)]),
    ) as T;
  }
  return value;
}
