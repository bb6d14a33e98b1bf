import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Hands requests on one per event-loop turn, in the order they arrived.
 *
 * Why: since libuv 1.45 (Node 20) a listening socket accepts one connection per event-loop turn, and a
 * turn of a busy process runs every request that is ready. With 50 busy connections a turn lasts 50
 * requests, so 50 new connections wait up to 50 such turns — seconds — before their first request is
 * even read (bench/README.md, "Second round"). One request per turn keeps a turn one request long: a busy
 * process accepts new connections about as fast as it answers requests, and every request waits its turn
 * in arrival order. Costs one `setImmediate` per request (a few µs); an idle process answers as before.
 */
export function oneRequestPerTurn(): RequestHandler {
  const waiting: NextFunction[] = [];
  let scheduled = false;

  const schedule = (): void => {
    scheduled = true;
    setImmediate(runOne); // scheduled from inside an immediate: runs on the next turn, after its poll
  };

  const runOne = (): void => {
    scheduled = false;
    const next = waiting.shift();
    if (waiting.length > 0) schedule(); // before next(): whatever it throws, the queue keeps moving
    next?.();
  };

  return (_req: Request, _res: Response, next: NextFunction) => {
    waiting.push(next);
    if (!scheduled) schedule();
  };
}
