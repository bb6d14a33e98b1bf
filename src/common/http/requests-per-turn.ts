import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * How many requests a busy process serves per event-loop turn. Each turn costs a process some CPU of its
 * own, and a turn is when the listening socket accepts a new connection: more requests per turn is more
 * throughput, fewer is a shorter wait for new connections. Measured with `node bench/ramp.js` and
 * `node bench/ab.js` (bench/README.md, "Sixth round"): at 8 a page costs some 25 % less CPU than at 1, and
 * 25 new connections beside 25 busy ones wait for their first page within the floor's range (the floor has
 * no bound; its wait varies most), about twice as long as at 1.
 */
export const REQUESTS_PER_TURN = 8;

/**
 * Hands requests on at most `max` per event-loop turn, in the order they arrived.
 *
 * Why: since libuv 1.45 (Node 20) a listening socket accepts one connection per event-loop turn, and a
 * turn of a busy process runs every request that is ready. With 50 busy connections a turn lasts 50
 * requests, so 50 new connections wait up to 50 such turns — seconds — before their first request is
 * even read (bench/README.md, "Second round"). Bounding the turn keeps it a few requests long: a busy
 * process keeps accepting new connections, and every request waits its turn in arrival order. An idle
 * process answers as before, one turn later.
 */
export function requestsPerTurn(max = REQUESTS_PER_TURN): RequestHandler {
  const waiting: NextFunction[] = [];
  let scheduled = false;

  const schedule = (): void => {
    scheduled = true;
    setImmediate(runTurn); // scheduled from inside an immediate: runs on the next turn, after its poll
  };

  const runTurn = (): void => {
    scheduled = false;
    const turn = waiting.splice(0, max);
    if (waiting.length > 0) schedule(); // the rest wait for the next turn, behind nothing new
    for (const next of turn) next(); // does not throw: express's router catches what middleware and handlers throw
  };

  return (_req: Request, _res: Response, next: NextFunction) => {
    waiting.push(next);
    if (!scheduled) schedule();
  };
}
