import { EventEmitter } from 'node:events';
import { BufferedLogOutput, LogStream, ProcessEvents } from './log-output';
import { QuietLogger } from './quiet-logger';

/** A BufferedLogOutput whose writes are recorded, one entry per write call. */
function recorded(maxChars?: number) {
  const writes: Array<[LogStream, string]> = [];
  const output = new BufferedLogOutput((stream, text) => writes.push([stream, text]), 25, maxChars);
  return { output, writes };
}

/** Enough of `process` for stopOnExit: an emitter with a pid and a recording `kill`. */
function fakeProcess(): EventEmitter & ProcessEvents & { killed: Array<[number, string]> } {
  const killed: Array<[number, string]> = [];
  return Object.assign(new EventEmitter(), {
    pid: 4242,
    killed,
    kill: (pid: number, signal?: string | number) => killed.push([pid, String(signal)]) > 0,
  }) as unknown as EventEmitter & ProcessEvents & { killed: Array<[number, string]> };
}

describe('BufferedLogOutput', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('writes every line at once until start()', () => {
    const { output, writes } = recorded();
    output.line('a\n');
    expect(writes).toEqual([['stdout', 'a\n']]);
  });

  it('once started, routine lines wait for the flush interval and go out in one write, in order', () => {
    const { output, writes } = recorded();
    output.start();
    output.line('a\n');
    jest.advanceTimersByTime(10);
    output.line('b\n');
    output.line('c\n');
    jest.advanceTimersByTime(14);
    expect(writes).toEqual([]);
    jest.advanceTimersByTime(1); // 25 ms after the first line
    expect(writes).toEqual([['stdout', 'a\nb\nc\n']]);
    output.line('d\n');
    jest.advanceTimersByTime(25);
    expect(writes).toEqual([
      ['stdout', 'a\nb\nc\n'],
      ['stdout', 'd\n'],
    ]);
  });

  it('the flush timer does not keep the process alive (the exit hook writes what waits)', () => {
    const { output } = recorded();
    const setTimeoutSpy = jest.spyOn(global, 'setTimeout');
    output.start();
    output.line('a\n');
    output.line('b\n');
    expect(setTimeoutSpy).toHaveBeenCalledTimes(1); // one timer per flush, not per line
    expect((setTimeoutSpy.mock.results[0].value as NodeJS.Timeout).hasRef()).toBe(false);
    setTimeoutSpy.mockRestore();
  });

  it('writes at once when more than maxChars wait', () => {
    const { output, writes } = recorded(10);
    output.start();
    output.line('12345\n');
    expect(writes).toEqual([]);
    output.line('67890\n');
    expect(writes).toEqual([['stdout', '12345\n67890\n']]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('an urgent line (warning, error) writes what waits first, then itself at once', () => {
    const { output, writes } = recorded();
    output.start();
    output.line('a\n');
    output.line('b\n');
    output.urgent('stderr', 'boom\n');
    output.urgent('stdout', 'careful\n');
    expect(writes).toEqual([
      ['stdout', 'a\nb\n'],
      ['stderr', 'boom\n'],
      ['stdout', 'careful\n'],
    ]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('stop() writes what waits, and every later line at once', () => {
    const { output, writes } = recorded();
    output.start();
    output.line('a\n');
    output.stop();
    output.line('b\n');
    expect(writes).toEqual([
      ['stdout', 'a\n'],
      ['stdout', 'b\n'],
    ]);
  });

  describe('stopOnExit', () => {
    it.each(['exit', 'uncaughtExceptionMonitor'])('writes what waits on %s', (event) => {
      const proc = fakeProcess();
      const { output, writes } = recorded();
      output.stopOnExit(proc);
      output.start();
      output.line('last words\n');
      proc.emit(event, 1);
      expect(writes).toEqual([['stdout', 'last words\n']]);
    });

    it('on SIGTERM: writes what waits before the other listeners run, then writes at once for the shutdown', () => {
      const proc = fakeProcess();
      const { output, writes } = recorded();
      const seen: string[] = [];
      proc.on('SIGTERM', () => seen.push(`shutdown saw ${writes.length} write(s)`)); // Nest's shutdown hook
      output.stopOnExit(proc);
      output.start();
      output.line('a\n');
      proc.emit('SIGTERM', 'SIGTERM');
      output.line('shutting down\n');
      expect(seen).toEqual(['shutdown saw 1 write(s)']);
      expect(writes).toEqual([
        ['stdout', 'a\n'],
        ['stdout', 'shutting down\n'],
      ]);
      expect(proc.killed).toEqual([]); // the other listener ends the process
      expect(proc.listenerCount('SIGTERM')).toBe(1); // ours ran once and is gone
    });

    it('re-raises a signal nothing else listens to, so it still ends the process', () => {
      const proc = fakeProcess();
      const { output } = recorded();
      output.stopOnExit(proc);
      proc.emit('SIGINT', 'SIGINT');
      expect(proc.killed).toEqual([[4242, 'SIGINT']]);
    });
  });
});

describe('QuietLogger over a BufferedLogOutput', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it.each(['text', 'json'] as const)('%s: info lines wait, an error line writes them first', (format) => {
    const { output, writes } = recorded();
    const logger = new QuietLogger(format, output);
    output.start();
    logger.log('one', 'Access');
    logger.log('two', 'Access');
    expect(writes).toEqual([]);
    logger.error('three', 'Errors');
    expect(writes.map(([stream]) => stream)).toEqual(['stdout', 'stderr']);
    const [first, second] = writes.map(([, text]) => text);
    expect(first).toMatch(/one.*\n.*two.*\n$/);
    expect(first.split('\n')).toHaveLength(3);
    expect(second).toContain('three');
  });
});
