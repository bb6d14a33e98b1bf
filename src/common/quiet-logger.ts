import { ConsoleLogger } from '@nestjs/common';

/** Nest's start-up chatter (every module and route) hides the lines an operator needs: drop it. */
const CHATTY_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory']);

export class QuietLogger extends ConsoleLogger {
  override log(message: unknown, ...rest: unknown[]): void {
    const context = rest[rest.length - 1];
    if (typeof context === 'string' && CHATTY_CONTEXTS.has(context)) return;
    super.log(message, ...rest);
  }
}
