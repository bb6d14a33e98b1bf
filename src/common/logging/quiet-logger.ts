import { ConsoleLogger, LogLevel } from '@nestjs/common';
import type { LogFormat } from '../../config/app-config';
import { directLogOutput, LogOutput, LogStream } from './log-output';

/** Nest's start-up chatter (every module and route) hides the lines an operator needs: drop it. */
const CHATTY_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory']);

/** The context of a line logged without one. */
export const DEFAULT_LOG_CONTEXT = 'Gatehouse';

export type LogFields = Record<string, string | number | boolean>;

/**
 * A log message that also carries machine-readable fields (the access log's method, path, status...):
 * a JSON line gets them as keys next to `message`; a text line shows only the text.
 */
export class StructuredMessage {
  constructor(
    readonly text: string,
    readonly fields: LogFields,
  ) {}

  toString(): string {
    return this.text;
  }
}

/**
 * One JSON log line's object: `time` (ISO 8601), `level` (`info` for Nest's `log`), `context`,
 * `message`, then any structured fields, the pid and an error's stack. Shared by the logger and the
 * last-chance error line in main.ts, so both look the same to a log shipper.
 */
export function jsonLogRecord(
  level: LogLevel,
  context: string | undefined,
  message: unknown,
  stack?: unknown,
): Record<string, unknown> {
  const record: Record<string, unknown> = {
    time: new Date().toISOString(),
    level: level === 'log' ? 'info' : level,
    context: context || DEFAULT_LOG_CONTEXT,
    message: message instanceof StructuredMessage ? message.text : message,
  };
  if (message instanceof StructuredMessage) {
    for (const [key, value] of Object.entries(message.fields)) if (!(key in record)) record[key] = value;
  }
  record.pid = process.pid;
  if (stack) record.stack = stack;
  return record;
}

export function jsonLogLine(level: LogLevel, context: string | undefined, message: unknown): string {
  return JSON.stringify(jsonLogRecord(level, context, message));
}

/** Routine levels: their lines may wait for the next flush of a buffered output. */
const ROUTINE_LEVELS = new Set<LogLevel>(['log', 'debug', 'verbose']);

/**
 * The process's logger: Nest's ConsoleLogger, as text (the default) or one JSON object per line
 * (LOG_FORMAT=json, Nest's own `json` mode with `time`, `level`, `context` and `message` keys).
 * Finished lines go to `output` (main.ts: a BufferedLogOutput once the server listens) instead of one
 * `process.stdout.write` each; the lines themselves are Nest's.
 */
export class QuietLogger extends ConsoleLogger {
  /** Nest's timestamp has whole seconds: formatted once per second, not once per line (Intl is slow). */
  private stampSecond = -1;
  private stamp = '';

  constructor(
    format: LogFormat = 'text',
    private readonly output: LogOutput = directLogOutput,
  ) {
    super({ json: format === 'json' });
  }

  protected override getTimestamp(): string {
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.stampSecond) {
      this.stamp = super.getTimestamp();
      this.stampSecond = second;
    }
    return this.stamp;
  }

  override log(message: unknown, ...rest: unknown[]): void {
    const context = rest[rest.length - 1];
    if (typeof context === 'string' && CHATTY_CONTEXTS.has(context)) return;
    super.log(message, ...rest);
  }

  /** Nest's text printer (ConsoleLogger.printMessages without `forceConsole`), writing to `output`. */
  protected override printMessages(
    messages: unknown[],
    context = '',
    logLevel: LogLevel = 'log',
    writeStreamType?: LogStream,
    errorStack?: unknown,
  ): void {
    if (this.options.json) {
      super.printMessages(messages, context, logLevel, writeStreamType, errorStack); // -> printAsJson
      return;
    }
    for (const message of messages) {
      const text = this.formatMessage(
        logLevel,
        message,
        this.formatPid(process.pid),
        logLevel.toUpperCase().padStart(7, ' '),
        this.formatContext(context),
        this.updateAndGetTimestampDiff(),
      );
      this.print(logLevel, text, writeStreamType);
    }
  }

  /** Nest's JSON printer, with our record (Nest's own has `timestamp` in ms and no `time`). */
  protected override printAsJson(
    message: unknown,
    options: { context: string; logLevel: LogLevel; writeStreamType?: LogStream; errorStack?: unknown },
  ): void {
    const line = this.stringifyJsonLogObject(
      jsonLogRecord(options.logLevel, options.context, message, options.errorStack),
    );
    this.print(options.logLevel, `${line}\n`, options.writeStreamType);
  }

  /** An error's stack, printed after its line in text mode (JSON keeps it inside the object). */
  protected override printStackTrace(stack: string): void {
    if (!stack || this.options.json) return;
    this.output.urgent('stderr', `${stack}\n`);
  }

  private print(level: LogLevel, text: string, stream: LogStream = 'stdout'): void {
    if (stream === 'stdout' && ROUTINE_LEVELS.has(level)) this.output.line(text);
    else this.output.urgent(stream, text);
  }

  protected override stringifyMessage(message: unknown, logLevel: LogLevel): string {
    return super.stringifyMessage(message instanceof StructuredMessage ? message.text : message, logLevel) as string;
  }
}
