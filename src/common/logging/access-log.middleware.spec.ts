import type { LoggerService } from '@nestjs/common';
import type { Request, Response } from 'express';
import { EventEmitter } from 'node:events';
import { accessLog, loggablePath } from './access-log.middleware';
import { StructuredMessage } from './quiet-logger';

describe('loggablePath', () => {
  it.each([
    ['/', '/'],
    ['/login?next=/jobs', '/login'],
    ['/reset-password?token=abc', '/reset-password'],
    ['/result/6f1c/drafts/1.md', '/result/6f1c/drafts/1.md'],
    ['/admin/invites/Abcdefghijkl/revoke', '/admin/invites/Abcd…/revoke'],
    ['/admin/invites?x=1', '/admin/invites'],
  ])('%s is logged as %s', (url, expected) => {
    expect(loggablePath(url)).toBe(expected);
  });
});

describe('accessLog', () => {
  function fakeExchange(url: string) {
    const req = { method: 'GET', originalUrl: url, url } as Request;
    const res = Object.assign(new EventEmitter(), { statusCode: 200, writableFinished: false }) as unknown as Response &
      EventEmitter & { writableFinished: boolean };
    const logged: StructuredMessage[] = [];
    const logger = { log: (message: StructuredMessage) => logged.push(message) } as unknown as LoggerService;
    const next = jest.fn();
    accessLog(logger)(req, res, next);
    return { req, res, logged, next };
  }

  it('writes one line when the response finishes, with the user set later by the session middleware', () => {
    const { req, res, logged, next } = fakeExchange('/jobs?page=2');
    expect(next).toHaveBeenCalled();
    req.user = { id: 'u-1' } as Request['user'];
    res.statusCode = 200;
    res.writableFinished = true;
    res.emit('finish');
    res.emit('close');
    expect(logged).toHaveLength(1);
    expect(logged[0].text).toMatch(/^GET \/jobs 200 [\d.]+ms u-1$/);
    expect(logged[0].fields).toEqual({
      method: 'GET',
      path: '/jobs',
      status: 200,
      ms: expect.any(Number),
      user: 'u-1',
    });
  });

  it('marks a request whose connection closed before the response finished as aborted', () => {
    const { res, logged } = fakeExchange('/download/x.zip');
    res.emit('close');
    expect(logged).toHaveLength(1);
    expect(logged[0].text).toMatch(/^GET \/download\/x\.zip 200 [\d.]+ms - aborted$/);
    expect(logged[0].fields.aborted).toBe(true);
  });
});
