import { CliRefusedError } from './cli-errors';

/** The CLI's only contact with the terminal, so commands unit-test without one. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** A password: hidden prompt on a TTY (asked twice), otherwise the first line of stdin. */
  readNewPassword(): Promise<string>;
}

export function processIo(): CliIo {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    readNewPassword: async () => {
      if (!process.stdin.isTTY) return readFirstLine(process.stdin);
      const first = await promptHidden('Password: ');
      const second = await promptHidden('Repeat password: ');
      if (first !== second) throw new CliRefusedError('The passwords do not match.');
      return first;
    },
  };
}

/** The first line of a stream (a piped or redirected password), without its line ending. */
export async function readFirstLine(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) {
    text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (text.includes('\n')) break;
  }
  const line = text.split('\n')[0].replace(/\r$/, '');
  if (line === '') throw new CliRefusedError('No password given on stdin.');
  return line;
}

/** Reads a line from the terminal without echoing it. Ctrl-C or Ctrl-D on an empty line aborts. */
function promptHidden(prompt: string): Promise<string> {
  const input = process.stdin;
  const output = process.stderr;
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (error?: Error) => {
      input.removeListener('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString()) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003' || (ch === '\u0004' && value === '')) return finish(new CliRefusedError('Cancelled.'));
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else if (ch >= ' ') value += ch;
      }
    };
    // Raw mode (no echo) before the prompt appears, so nothing typed after it is ever echoed.
    input.setRawMode(true);
    input.resume();
    input.on('data', onData);
    output.write(prompt);
  });
}
