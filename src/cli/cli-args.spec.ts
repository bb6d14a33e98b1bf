import { parseCliArgs } from './cli-args';
import { CliUsageError } from './cli-errors';

describe('parseCliArgs', () => {
  it.each([
    [['create-admin', 'alice'], { name: 'create-admin', username: 'alice' }],
    [['reset-password', 'bob'], { name: 'reset-password', username: 'bob' }],
    [['disable-user', 'bob'], { name: 'disable-user', username: 'bob' }],
    [['enable-user', 'bob'], { name: 'enable-user', username: 'bob' }],
    [['reset-2fa', 'bob'], { name: 'reset-2fa', username: 'bob' }],
    [['list-users'], { name: 'list-users', json: false }],
    [['list-users', '--json'], { name: 'list-users', json: true }],
    [['help'], { name: 'help' }],
    [['--help'], { name: 'help' }],
    [['import-files', '--from', '/srv/data'], { name: 'import-files', from: '/srv/data' }],
    [['import-files', '--from=data'], { name: 'import-files', from: 'data' }],
  ])('parses %j', (argv, expected) => {
    expect(parseCliArgs(argv)).toEqual(expected);
  });

  it('parses every mint-invite option, in either --opt value or --opt=value form', () => {
    expect(
      parseCliArgs([
        'mint-invite',
        '--role',
        'admin',
        '--note',
        'for ann',
        '--max-uses=3',
        '--expires-in-days',
        '0',
        '--code',
        'Custom_1',
      ]),
    ).toEqual({
      name: 'mint-invite',
      role: 'admin',
      note: 'for ann',
      maxUses: '3',
      expiresInDays: '0',
      code: 'Custom_1',
    });
    expect(parseCliArgs(['mint-invite'])).toEqual({ name: 'mint-invite' });
  });

  it.each([
    [[], 'No command given.'],
    [['frobnicate'], 'Unknown command: frobnicate'],
    [['create-admin'], 'create-admin: expected exactly one <username>'],
    [['create-admin', 'a', 'b'], 'create-admin: expected exactly one <username>'],
    [['disable-user', '--force', 'bob'], "Unknown option '--force'"],
    [['mint-invite', '--bogus'], "Unknown option '--bogus'"],
    [['mint-invite', 'extra'], 'mint-invite: unexpected argument extra'],
    [['mint-invite', '--role'], "Option '--role <value>' argument missing"],
    [['list-users', '--json=yes'], "Option '--json' does not take an argument"],
    [['import-files'], "import-files: Required option '--from <dir>' not specified"],
    [['import-files', '--from', 'a', 'b'], 'import-files: unexpected argument b'],
  ])('refuses %j as a usage error', (argv, message) => {
    let error: unknown;
    try {
      parseCliArgs(argv);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CliUsageError);
    expect((error as Error).message).toContain(message);
  });
});

describe('parseCliArgs on commander', () => {
  it.each([
    [['-h'], { name: 'help' }],
    [['help', 'create-admin', '--anything'], { name: 'help' }],
    [['reset-password', '--', '-dash'], { name: 'reset-password', username: '-dash' }],
  ])('parses %j', (argv, expected) => {
    expect(parseCliArgs(argv)).toEqual(expected);
  });

  it.each([
    [['--frobnicate'], 'Unknown command: --frobnicate'],
    [['create-admin', '--help'], "create-admin: Unknown option '--help'"],
    [['list-users', '--json', 'extra'], 'list-users: unexpected argument extra'],
  ])('refuses %j with the same wording as before', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(new CliUsageError(message));
  });

  it('never prints or exits by itself: runCli owns the output and the exit code', () => {
    const exit = jest.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      for (const argv of [[], ['--help'], ['nope'], ['mint-invite', '--role'], ['create-admin']]) {
        try {
          parseCliArgs(argv);
        } catch {
          // usage errors are the point here
        }
      }
      expect(exit).not.toHaveBeenCalled();
      expect(out).not.toHaveBeenCalled();
      expect(err).not.toHaveBeenCalled();
    } finally {
      exit.mockRestore();
      out.mockRestore();
      err.mockRestore();
    }
  });
});
