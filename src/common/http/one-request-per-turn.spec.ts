import type { NextFunction, Request, Response } from 'express';
import { oneRequestPerTurn } from './one-request-per-turn';

/** One event-loop turn: an immediate queued now runs after the ones the middleware queued before it. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('oneRequestPerTurn', () => {
  const req = {} as Request;
  const res = {} as Response;

  it('hands requests on one per event-loop turn, in arrival order', async () => {
    const handle = oneRequestPerTurn();
    const ran: number[] = [];
    for (const n of [1, 2, 3]) handle(req, res, (() => ran.push(n)) as NextFunction);
    expect(ran).toEqual([]); // never synchronously: the socket's turn ends first
    await nextTurn();
    expect(ran).toEqual([1]);
    await nextTurn();
    expect(ran).toEqual([1, 2]);
    await nextTurn();
    expect(ran).toEqual([1, 2, 3]);
  });

  it('serves a request that arrives on an idle process on the next turn', async () => {
    const handle = oneRequestPerTurn();
    const ran: string[] = [];
    handle(req, res, (() => ran.push('first')) as NextFunction);
    await nextTurn();
    await nextTurn();
    handle(req, res, (() => ran.push('later')) as NextFunction);
    await nextTurn();
    expect(ran).toEqual(['first', 'later']);
  });
});
