import type { NextFunction, Request, Response } from 'express';

/** Deepest nesting of arrays and objects a JSON body may have (no form or API input needs more). */
export const MAX_JSON_DEPTH = 32;

/**
 * True when `value` nests arrays/objects more than `limit` levels deep (`{}` is 1, `{"a":[]}` is 2).
 * Iterative on purpose: a body nested 45,000 deep overflowed the stack of the recursive code that met
 * it first (the validation pipe) and answered 500. Stops at the first path that is too deep.
 */
export function jsonDepthExceeds(value: unknown, limit: number): boolean {
  const stack: Array<{ node: unknown; depth: number }> = [{ node: value, depth: 1 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop() as { node: unknown; depth: number };
    if (typeof node !== 'object' || node === null) continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node as Record<string, unknown>)) {
      if (typeof child === 'object' && child !== null) stack.push({ node: child, depth: depth + 1 });
    }
  }
  return false;
}

/** After the JSON parser: a body nested too deeply is answered 400 (JSON) before anything walks it. */
export function rejectDeepJson(req: Request, res: Response, next: NextFunction): void {
  if (typeof req.body === 'object' && req.body !== null && jsonDepthExceeds(req.body, MAX_JSON_DEPTH)) {
    res.status(400).json({ error: `The request body is nested too deeply (more than ${MAX_JSON_DEPTH} levels).` });
    return;
  }
  next();
}
