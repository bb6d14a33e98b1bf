/** Small shape checks for data files: enough to refuse a file we would otherwise corrupt. */
export function assertObjectWithArray(key: string) {
  return (data: unknown): void => {
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error('expected a JSON object');
    if (!Array.isArray((data as Record<string, unknown>)[key])) throw new Error(`expected "${key}" to be an array`);
  };
}

export function assertObjectWithMap(key: string) {
  return (data: unknown): void => {
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new Error('expected a JSON object');
    const value = (data as Record<string, unknown>)[key];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new Error(`expected "${key}" to be an object`);
    }
  };
}
