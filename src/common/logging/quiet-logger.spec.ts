import { stripVTControlCharacters } from 'node:util';
import { jsonLogLine, QuietLogger, StructuredMessage } from './quiet-logger';

/** What the logger writes to stdout and stderr while `fn` runs. */
function written(fn: () => void): { stdout: string; stderr: string } {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => err.push(String(chunk)) > 0);
  try {
    fn();
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
  return { stdout: out.join(''), stderr: err.join('') };
}

function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('QuietLogger', () => {
  it('json: one object per line with time, level, context and message', () => {
    const logger = new QuietLogger('json');
    const { stdout, stderr } = written(() => {
      logger.log('Listening on http://127.0.0.1:3000', 'Gatehouse');
      logger.warn('careful', 'Config');
      logger.error('it broke', 'Error: it broke\n    at somewhere', 'Errors');
      logger.log('no context given');
    });
    const [listening, careful, noContext] = jsonLines(stdout);
    expect(listening).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      level: 'info',
      context: 'Gatehouse',
      message: 'Listening on http://127.0.0.1:3000',
      pid: process.pid,
    });
    expect(careful).toMatchObject({ level: 'warn', context: 'Config', message: 'careful' });
    expect(noContext).toMatchObject({ level: 'info', context: 'Gatehouse', message: 'no context given' });
    const errors = jsonLines(stderr);
    expect(errors).toHaveLength(1); // the stack stays inside the object, not on lines of its own
    expect(errors[0]).toMatchObject({ level: 'error', context: 'Errors', message: 'it broke' });
    expect(errors[0].stack).toContain('at somewhere');
  });

  it('json: a structured message adds its fields as keys', () => {
    const { stdout } = written(() =>
      new QuietLogger('json').log(new StructuredMessage('GET / 200 1ms -', { method: 'GET', status: 200 }), 'Access'),
    );
    expect(jsonLines(stdout)[0]).toMatchObject({
      context: 'Access',
      message: 'GET / 200 1ms -',
      method: 'GET',
      status: 200,
    });
  });

  it('text: a structured message shows only its text', () => {
    const { stdout } = written(() =>
      new QuietLogger('text').log(new StructuredMessage('GET / 200 1ms -', { method: 'GET' }), 'Access'),
    );
    expect(stripVTControlCharacters(stdout)).toContain('[Access] GET / 200 1ms -');
    expect(stdout).not.toContain('method');
  });

  it("drops Nest's start-up chatter in both formats", () => {
    for (const format of ['text', 'json'] as const) {
      const { stdout } = written(() =>
        new QuietLogger(format).log('AppModule dependencies initialized', 'InstanceLoader'),
      );
      expect(stdout).toBe('');
    }
  });

  it('jsonLogLine builds the same record for lines printed without a logger', () => {
    expect(JSON.parse(jsonLogLine('fatal', 'Gatehouse', 'Gatehouse cannot start: x'))).toMatchObject({
      level: 'fatal',
      context: 'Gatehouse',
      message: 'Gatehouse cannot start: x',
    });
  });
});
