import type { LoggerService, LogLevel } from '@nestjs/common';
import { StructuredMessage } from '../../src/common/logging/quiet-logger';

export interface CapturedLine {
  level: LogLevel;
  context?: string;
  message: string;
  fields?: Record<string, unknown>;
}

/** A Nest logger that keeps what the app logs, for tests that read their own log (pass as createTestApp's `logger`). */
export class CaptureLogger implements LoggerService {
  readonly lines: CapturedLine[] = [];

  log(message: unknown, ...rest: unknown[]): void {
    this.keep('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.keep('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.keep('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.keep('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.keep('verbose', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.keep('fatal', message, rest);
  }

  /** Lines logged with this context (`Access`, `Config`...). */
  from(context: string): CapturedLine[] {
    return this.lines.filter((line) => line.context === context);
  }

  /** Everything captured, serialised: what a scan for leaked secrets reads. */
  text(): string {
    return this.lines.map((line) => JSON.stringify(line)).join('\n');
  }

  private keep(level: LogLevel, message: unknown, rest: unknown[]): void {
    const last = rest[rest.length - 1];
    const context = typeof last === 'string' ? last : undefined;
    const others = typeof last === 'string' ? rest.slice(0, -1) : rest;
    this.lines.push({
      level,
      context,
      message: [message, ...others].map((part) => (typeof part === 'string' ? part : String(part))).join(' '),
      ...(message instanceof StructuredMessage ? { fields: message.fields } : {}),
    });
  }
}
