/**
 * A typed mock whose every method fails unless the test stubbed it: a service spec cannot pass by
 * accident through a call it did not expect.
 */
export type StrictMock<T> = T & {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? jest.Mock<R, A> : T[K];
};

export function strictMock<T extends object>(
  name: string,
  stubs: Partial<Record<keyof T, unknown>> = {},
): StrictMock<T> {
  const target: Record<string | symbol, unknown> = {};
  for (const [key, value] of Object.entries(stubs)) {
    target[key] = typeof value === 'function' ? jest.fn(value as (...args: unknown[]) => unknown) : value;
  }
  return new Proxy(target, {
    get(obj, prop) {
      if (prop in obj) return obj[prop];
      if (prop === 'then' || typeof prop === 'symbol') return undefined;
      const unstubbed = jest.fn(() => {
        throw new Error(`Unexpected call to ${name}.${String(prop)}()`);
      });
      obj[prop] = unstubbed;
      return unstubbed;
    },
  }) as StrictMock<T>;
}
