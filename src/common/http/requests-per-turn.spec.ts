import type { NextFunction, Request, Response } from 'express';
import { requestsPerTurn } from './requests-per-turn';

/** One event-loop turn: an immediate queued now runs after the ones the middleware queued before it. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('requestsPerTurn', () => {
  const req = {} as Request;
  const res = {} as Response;

  it('hands requests on at most `max` per event-loop turn, in arrival order', async () => {
    const handle = requestsPerTurn(2);
    const ran: number[] = [];
    for (const n of [1, 2, 3, 4, 5]) handle(req, res, (() => ran.push(n)) as NextFunction);
    expect(ran).toEqual([]); // never synchronously: the socket's turn ends first
    await nextTurn();
    expect(ran).toEqual([1, 2]);
    await nextTurn();
    expect(ran).toEqual([1, 2, 3, 4]);
    await nextTurn();
    expect(ran).toEqual([1, 2, 3, 4, 5]);
  });

  it('a request that arrives during a turn waits for a later one, behind those already waiting', async () => {
    const handle = requestsPerTurn(2);
    const ran: string[] = [];
    handle(req, res, (() => {
      ran.push('a');
      handle(req, res, (() => ran.push('c')) as NextFunction);
    }) as NextFunction);
    handle(req, res, (() => ran.push('b')) as NextFunction);
    await nextTurn();
    expect(ran).toEqual(['a', 'b']);
    await nextTurn();
    expect(ran).toEqual(['a', 'b', 'c']);
  });

  it('serves a request that arrives on an idle process on the next turn', async () => {
    const handle = requestsPerTurn();
    const ran: string[] = [];
    handle(req, res, (() => ran.push('first')) as NextFunction);
    await nextTurn();
    await nextTurn();
    handle(req, res, (() => ran.push('later')) as NextFunction);
    await nextTurn();
    expect(ran).toEqual(['first', 'later']);
  });
});
