/** Exit codes of `npm run cli` (SPEC §6.3): 0 ok, 1 refused, 2 usage error. */
export const EXIT_OK = 0;
export const EXIT_REFUSED = 1;
export const EXIT_USAGE = 2;

/** Bad command line: unknown command or option, missing or malformed argument (exit 2). */
export class CliUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}

/** The app's rules said no (an admin exists, unknown user, weak password, last admin...) (exit 1). */
export class CliRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliRefusedError';
  }
}
