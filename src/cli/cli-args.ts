import { parseArgs } from 'node:util';
import { CliUsageError } from './cli-errors';

export type CliCommand =
  | { name: 'help' }
  | { name: 'create-admin'; username: string }
  | {
      name: 'mint-invite';
      role?: string;
      note?: string;
      maxUses?: string;
      expiresInDays?: string;
      code?: string;
    }
  | { name: 'reset-password'; username: string }
  | { name: 'list-users'; json: boolean }
  | { name: 'disable-user'; username: string }
  | { name: 'enable-user'; username: string };

export const USAGE = `Usage: npm run cli -- <command> [options]

Works on the server's DATA_DIR (from the environment or .env), safely while the server runs.

Commands:
  create-admin <username>      Create the first admin. The password comes from a hidden prompt,
                               or from the first line of stdin when stdin is not a terminal.
                               Refused once any admin exists.
  mint-invite [options]        Mint an invite code and print it with its /register link.
      --role user|admin          role the new account gets (default user)
      --note TEXT                who the invite is for
      --max-uses N               registrations allowed, 1-1000 (default 1)
      --expires-in-days N        0-365, 0 = never (default 7)
      --code CODE                custom code: 6-64 of A-Z a-z 0-9 _ -
  reset-password <username>    Print a one-time password reset link (valid 24 hours).
  list-users [--json]          List users (never password hashes).
  disable-user <username>      Disable a user and end all their sessions.
  enable-user <username>       Enable a disabled user again.
  help                         Show this text.

Exit codes: 0 done, 1 refused (reason on stderr), 2 usage error.`;

/** Parses `argv` (without node and the script). Throws CliUsageError for anything malformed. */
export function parseCliArgs(argv: string[]): CliCommand {
  const [name, ...rest] = argv;
  switch (name) {
    case undefined:
      throw new CliUsageError('No command given.');
    case 'help':
    case '--help':
    case '-h':
      return { name: 'help' };
    case 'create-admin':
    case 'reset-password':
    case 'disable-user':
    case 'enable-user':
      return { name, username: onePositional(name, rest, '<username>') };
    case 'list-users': {
      const { values } = parse(name, rest, { json: { type: 'boolean' } }, 0);
      return { name, json: values.json === true };
    }
    case 'mint-invite': {
      const { values } = parse(
        name,
        rest,
        {
          role: { type: 'string' },
          note: { type: 'string' },
          'max-uses': { type: 'string' },
          'expires-in-days': { type: 'string' },
          code: { type: 'string' },
        },
        0,
      );
      return {
        name,
        role: values.role as string | undefined,
        note: values.note as string | undefined,
        maxUses: values['max-uses'] as string | undefined,
        expiresInDays: values['expires-in-days'] as string | undefined,
        code: values.code as string | undefined,
      };
    }
    default:
      throw new CliUsageError(`Unknown command: ${name}`);
  }
}

type OptionSpec = Record<string, { type: 'string' | 'boolean' }>;

function parse(command: string, args: string[], options: OptionSpec, positionals: number, label = 'argument') {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliUsageError(`${command}: ${(error as Error).message}`);
  }
  if (parsed.positionals.length !== positionals) {
    throw new CliUsageError(
      positionals === 0
        ? `${command}: unexpected argument ${parsed.positionals[0]}`
        : `${command}: expected exactly one ${label}`,
    );
  }
  return parsed;
}

function onePositional(command: string, args: string[], label: string): string {
  const { positionals } = parse(command, args, {}, 1, label);
  return positionals[0];
}
