export type LogStream = 'stdout' | 'stderr';

/** Where the logger's finished lines go. */
export interface LogOutput {
  /** A routine line (info, debug) for stdout. */
  line(text: string): void;
  /** A warning or an error: written at once, after whatever is still waiting, so the order holds. */
  urgent(stream: LogStream, text: string): void;
}

export type WriteLog = (stream: LogStream, text: string) => void;

/** What `stopOnExit` uses of `process` (a test passes an EventEmitter). */
export type ProcessEvents = Pick<NodeJS.Process, 'on' | 'prependOnceListener' | 'listenerCount' | 'kill' | 'pid'>;

const writeToProcess: WriteLog = (stream, text) => {
  process[stream].write(text);
};

/** Every line written at once (tests, the CLI, a cluster primary, a web process still starting). */
export const directLogOutput: LogOutput = {
  line: (text) => writeToProcess('stdout', text),
  urgent: writeToProcess,
};

/**
 * Routine lines collected in memory and written to stdout in one write at most every `flushMs` (or once
 * `maxChars` are waiting), instead of one synchronous write per line: a serving process logs a line
 * per request (SPEC §10), and each write to a pipe or file costs a system call on the event loop.
 * Warnings and errors still go out at once, after what is waiting. Until `start()` (and after `stop()`)
 * every line is written at once. A SIGKILL loses at most `flushMs` of routine lines.
 */
export class BufferedLogOutput implements LogOutput {
  private waiting: string[] = [];
  private waitingChars = 0;
  private timer: NodeJS.Timeout | undefined;
  private buffering = false;

  constructor(
    private readonly write: WriteLog = writeToProcess,
    readonly flushMs = 25,
    readonly maxChars = 64 * 1024,
  ) {}

  /** From now on routine lines wait for the next flush. */
  start(): void {
    this.buffering = true;
  }

  /** Writes what is waiting, and every later line at once. */
  stop(): void {
    this.buffering = false;
    this.flush();
  }

  line(text: string): void {
    if (!this.buffering) {
      this.write('stdout', text);
      return;
    }
    this.waiting.push(text);
    this.waitingChars += text.length;
    if (this.waitingChars >= this.maxChars) this.flush();
    else this.timer ??= setTimeout(this.flush, this.flushMs).unref();
  }

  urgent(stream: LogStream, text: string): void {
    this.flush();
    this.write(stream, text);
  }

  readonly flush = (): void => {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.waiting.length === 0) return;
    const text = this.waiting.join('');
    this.waiting = [];
    this.waitingChars = 0;
    this.write('stdout', text);
  };

  /**
   * Nothing waiting is lost when the process ends: written on `exit` (process.exit, an empty loop), on
   * an uncaught exception (which ends the process without `exit`), and on SIGTERM/SIGINT buffering stops
   * for the whole shutdown (Nest's shutdown ends by re-raising the signal, which need not emit `exit`).
   * The signal listener runs first and once; if nothing else listens, it re-raises the signal, so adding
   * it never keeps a process alive that the signal would have ended.
   */
  stopOnExit(proc: ProcessEvents = process): void {
    proc.on('exit', () => this.stop());
    proc.on('uncaughtExceptionMonitor', () => this.stop());
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      proc.prependOnceListener(signal, () => {
        this.stop();
        if (proc.listenerCount(signal) === 0) proc.kill(proc.pid, signal);
      });
    }
  }
}
