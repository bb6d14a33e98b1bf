import { Logger } from '@nestjs/common';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AppConfig } from '../../config/app-config';
import { JsonStore } from './json-store.service';
import { JsonUnitOfWork } from './json-unit-of-work';

describe('JsonUnitOfWork', () => {
  beforeAll(() => Logger.overrideLogger(false));
  let dir: string;
  let uow: JsonUnitOfWork;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-uow-'));
    uow = new JsonUnitOfWork(new JsonStore({ dataDir: dir } as AppConfig));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs units of the same name one at a time, in order', async () => {
    const events: string[] = [];
    const unit = (id: string) =>
      uow.run('accounts', async () => {
        events.push(`start ${id}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
        events.push(`end ${id}`);
      });
    await Promise.all([unit('a'), unit('b'), unit('c')]);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('lets units of different names overlap', async () => {
    const events: string[] = [];
    let releaseA!: () => void;
    let aEntered!: () => void;
    const aIsIn = new Promise<void>((resolve) => (aEntered = resolve));
    const a = uow.run('a', async () => {
      events.push('a in');
      aEntered();
      await new Promise<void>((resolve) => (releaseA = resolve));
      events.push('a out');
    });
    // Wait until a holds its lock: which of two free names is taken first is up to the lock's I/O.
    await aIsIn;
    const b = uow.run('b', async () => events.push('b in'));
    await b;
    releaseA();
    await a;
    expect(events).toEqual(['a in', 'b in', 'a out']);
  });

  it('runs the undo steps newest first when the unit fails, and rethrows its error', async () => {
    const undone: string[] = [];
    const failure = uow.run('jobs.create', async (unit) => {
      unit.onRollback(async () => void undone.push('first'));
      unit.onRollback(async () => void undone.push('second'));
      throw new Error('job could not be saved');
    });
    await expect(failure).rejects.toThrow('job could not be saved');
    expect(undone).toEqual(['second', 'first']);
  });

  it('does not undo anything when the unit succeeds', async () => {
    const undone: string[] = [];
    await uow.run('x', async (unit) => unit.onRollback(async () => void undone.push('never')));
    expect(undone).toEqual([]);
  });

  it('a nested run joins the outer unit: same name does not deadlock, its undo steps run with the outer failure', async () => {
    const undone: string[] = [];
    const failure = uow.run('accounts', async (unit) => {
      unit.onRollback(async () => void undone.push('outer'));
      await uow.run('accounts', async (inner) => inner.onRollback(async () => void undone.push('inner same name')));
      await uow.run('other', async (inner) => inner.onRollback(async () => void undone.push('inner other name')));
      throw new Error('late failure');
    });
    await expect(failure).rejects.toThrow('late failure');
    expect(undone).toEqual(['inner other name', 'inner same name', 'outer']);
  });

  it('keeps the unit error when an undo step fails too', async () => {
    const failure = uow.run('x', async (unit) => {
      unit.onRollback(async () => {
        throw new Error('undo broke');
      });
      throw new Error('the real problem');
    });
    await expect(failure).rejects.toThrow('the real problem');
  });
});
