import { Command, CommanderError } from 'commander';
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
  | { name: 'enable-user'; username: string }
  | { name: 'reset-2fa'; username: string }
  | { name: 'import-files'; from: string };

export const USAGE = `Usage: npm run cli -- <command> [options]

Works on the server's store (STORE, DATA_DIR or DATABASE_URL, from the environment or .env), safely
while the server runs.

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
  reset-2fa <username>         Turn off a user's two-factor login (they enrol again) and end all
                               their sessions.
  import-files --from DIR      STORE=postgres: copy a files-mode DATA_DIR (users, invites, jobs with
                               their drafts, usage, audit log, two-factor) into an empty database in
                               one transaction and print what was copied. Refused (nothing changed)
                               when the database already holds data. Stop the files-mode site first.
  help                         Show this text.

Exit codes: 0 done, 1 refused (reason on stderr), 2 usage error.`;

const USERNAME_COMMANDS = ['create-admin', 'reset-password', 'disable-user', 'enable-user', 'reset-2fa'] as const;

interface MintInviteOptions {
  role?: string;
  note?: string;
  maxUses?: string;
  expiresInDays?: string;
  code?: string;
}

/**
 * Parses `argv` (without node and the script) with commander. Throws CliUsageError for anything
 * malformed. Commander never prints or exits here: runCli decides what the operator sees (USAGE is
 * hand-written, so commander's generated help is not used) and which exit code the process gets.
 */
export function parseCliArgs(argv: string[]): CliCommand {
  let parsed: CliCommand | undefined;
  let subcommand: Command | undefined;
  const program = cliProgram((command) => (parsed = command));
  program.hook('preSubcommand', (_program, chosen) => {
    subcommand = chosen;
  });
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (error.code === 'commander.helpDisplayed') return { name: 'help' };
    throw new CliUsageError(usageMessage(error, argv, subcommand));
  }
  if (!parsed) throw new CliUsageError('No command given.');
  return parsed;
}

/** A fresh program per parse (commander keeps option values on the command objects). */
function cliProgram(found: (command: CliCommand) => void): Command {
  const program = new Command('cli')
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined, outputError: () => undefined })
    .showSuggestionAfterError(false)
    .helpCommand(false)
    .helpOption('-h, --help');

  // `help` ignores whatever follows it, as before.
  subcommand(program, 'help')
    .allowExcessArguments()
    .allowUnknownOption()
    .action(() => found({ name: 'help' }));

  for (const name of USERNAME_COMMANDS) {
    subcommand(program, name)
      .argument('<username>')
      .action((username: string) => found({ name, username }));
  }

  subcommand(program, 'list-users')
    .option('--json')
    .action((options: { json?: boolean }) => found({ name: 'list-users', json: options.json === true }));

  subcommand(program, 'mint-invite')
    .option('--role <value>')
    .option('--note <value>')
    .option('--max-uses <value>')
    .option('--expires-in-days <value>')
    .option('--code <value>')
    .action((options: MintInviteOptions) => found({ name: 'mint-invite', ...options }));

  subcommand(program, 'import-files')
    .requiredOption('--from <dir>')
    .action((options: { from: string }) => found({ name: 'import-files', from: options.from }));

  return program;
}

/** Subcommands take no --help of their own (`create-admin --help` is a usage error, as before). */
function subcommand(program: Command, name: string): Command {
  return program.command(name).helpOption(false);
}

/** Commander's errors, reworded as the CLI has always worded them. */
function usageMessage(error: CommanderError, argv: string[], command: Command | undefined): string {
  if (!command) return argv.length === 0 ? 'No command given.' : `Unknown command: ${argv[0]}`;
  const name = command.name();
  switch (error.code) {
    case 'commander.missingArgument':
    case 'commander.excessArguments': {
      const expected = command.registeredArguments.length;
      if (expected === 0) return `${name}: unexpected argument ${command.args[0]}`;
      return `${name}: expected exactly one <${command.registeredArguments[0].name()}>`;
    }
    case 'commander.unknownOption': {
      const flag = /'(.*)'/.exec(error.message)?.[1] ?? '';
      const known = command.options.find((option) => flag.startsWith(`${option.long}=`));
      if (known && !known.required && !known.optional)
        return `${name}: Option '${known.long}' does not take an argument`;
      return `${name}: Unknown option '${flag}'`;
    }
    default:
      // e.g. "error: option '--role <value>' argument missing"
      return `${name}: ${error.message.replace(/^error: (.)/, (_, first: string) => first.toUpperCase())}`;
  }
}
