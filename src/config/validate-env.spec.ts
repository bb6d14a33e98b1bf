import * as path from 'node:path';
import { configWarnings, InvalidEnvError, logFormatForFatalLine, parseEnv } from './validate-env';

describe('parseEnv', () => {
  it('applies the SPEC §3 defaults to an empty environment', () => {
    const config = parseEnv({}, '/srv/app');
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      dataDir: path.resolve('/srv/app', 'data'),
      cookieSecure: 'auto',
      trustProxy: undefined,
      bcryptCost: 12,
      loginMaxFailures: 5,
      loginLockoutMinutes: 15,
      loginMaxFailuresPerIp: 50,
      registerMaxPerIpHour: 20,
      generationProvider: 'offline',
      openaiModel: 'gpt-4o-mini',
      generationConcurrency: 2,
      webConcurrency: 1,
      generationDailyDrafts: 50,
      sessionIdleMinutes: 720,
      sessionAbsoluteHours: 168,
      store: 'files',
      databasePoolSize: 10,
    });
    expect(config.sessionSecret).toBeUndefined();
    expect(config.databaseUrl).toBeUndefined();
  });

  it('picks the openai provider when a key is set', () => {
    expect(parseEnv({ OPENAI_API_KEY: 'sk-test' }).generationProvider).toBe('openai');
    expect(parseEnv({ OPENAI_API_KEY: 'sk-test', GENERATION_PROVIDER: 'offline' }).generationProvider).toBe('offline');
  });

  it('reads typed values', () => {
    const config = parseEnv({ PORT: '8080', COOKIE_SECURE: 'true', TRUST_PROXY: '1', WEB_CONCURRENCY: '2' });
    expect(config.port).toBe(8080);
    expect(config.cookieSecure).toBe(true);
    expect(config.trustProxy).toBe(1);
    expect(config.webConcurrency).toBe(2);
    expect(parseEnv({ COOKIE_SECURE: 'false' }).cookieSecure).toBe(false);
    expect(parseEnv({ TRUST_PROXY: 'loopback' }).trustProxy).toBe('loopback');
  });

  const invalid: Array<[string, string]> = [
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['COOKIE_SECURE', 'maybe'],
    ['TRUST_PROXY', 'a;b'],
    ['BCRYPT_COST', '3'],
    ['BCRYPT_COST', '16'],
    ['LOGIN_MAX_FAILURES', '0'],
    ['LOGIN_LOCKOUT_MINUTES', '-1'],
    ['LOGIN_MAX_FAILURES_PER_IP', 'many'],
    ['REGISTER_MAX_PER_IP_HOUR', '1.5'],
    ['GENERATION_PROVIDER', 'anthropic'],
    ['GENERATION_CONCURRENCY', '0'],
    ['WEB_CONCURRENCY', 'two'],
    ['GENERATION_DAILY_DRAFTS', '-5'],
    ['SESSION_IDLE_MINUTES', '0'],
    ['SESSION_ABSOLUTE_HOURS', 'forever'],
    ['SESSION_SECRET', 'short'],
    ['OPENAI_BASE_URL', 'not a url'],
    ['ADMIN_SETUP_TOKEN', 'tiny'],
    ['LOG_FORMAT', 'xml'],
    ['LOG_FORMAT', 'pretty'],
    ['STORE', 'mysql'],
    ['DATABASE_POOL_SIZE', '0'],
    ['DATABASE_POOL_SIZE', '1001'],
    ['DATABASE_POOL_SIZE', 'ten'],
    ['PUBLIC_URL', 'gate.example.com'],
    ['PUBLIC_URL', 'ftp://gate.example.com'],
    ['PUBLIC_URL', 'https://gate.example.com/app'],
    ['PUBLIC_URL', 'https://gate.example.com/?x=1'],
    ['PUBLIC_URL', 'https://gate.example.com/#top'],
    ['PUBLIC_URL', 'https://user:pw@gate.example.com'],
    ['PUBLIC_URL', 'javascript:alert(1)'],
  ];

  it.each(invalid)('refuses %s=%s with one line naming the variable', (name, value) => {
    let error: unknown;
    try {
      parseEnv({ [name]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidEnvError);
    expect((error as InvalidEnvError).variable).toBe(name);
    expect((error as Error).message).toContain(name);
    expect((error as Error).message).not.toContain('\n');
  });

  it('PUBLIC_URL: an http(s) origin, kept without a trailing slash; unset by default', () => {
    expect(parseEnv({}).publicUrl).toBeUndefined();
    expect(parseEnv({ PUBLIC_URL: 'https://gate.example.com' }).publicUrl).toBe('https://gate.example.com');
    expect(parseEnv({ PUBLIC_URL: 'https://Gate.Example.com/' }).publicUrl).toBe('https://gate.example.com');
    expect(parseEnv({ PUBLIC_URL: 'http://10.0.0.5:8080' }).publicUrl).toBe('http://10.0.0.5:8080');
    expect(parseEnv({ PUBLIC_URL: 'https://gate.example.com:443' }).publicUrl).toBe('https://gate.example.com');
    expect(() => parseEnv({ PUBLIC_URL: 'https://gate.example.com/app' })).toThrow(
      'Invalid environment variable PUBLIC_URL="https://gate.example.com/app": expected an http(s) origin such as https://gate.example.com (no path)',
    );
  });

  it('refuses GENERATION_PROVIDER=openai without a key or base URL', () => {
    expect(() => parseEnv({ GENERATION_PROVIDER: 'openai' })).toThrow(/GENERATION_PROVIDER/);
  });

  it('never echoes a secret value in its error', () => {
    expect(() => parseEnv({ SESSION_SECRET: 'hunter2' })).toThrow(/SESSION_SECRET="<hidden>"/);
    expect(() => parseEnv({ SESSION_SECRET: 'hunter2' })).not.toThrow(/hunter2/);
  });

  it('reads LOG_FORMAT: text by default, text or json in any case', () => {
    expect(parseEnv({}).logFormat).toBe('text');
    expect(parseEnv({ LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(parseEnv({ LOG_FORMAT: ' JSON ' }).logFormat).toBe('json');
    expect(parseEnv({ LOG_FORMAT: 'text' }).logFormat).toBe('text');
    expect(() => parseEnv({ LOG_FORMAT: 'xml' })).toThrow(
      'Invalid environment variable LOG_FORMAT="xml": expected one of text, json',
    );
  });

  it('reads REQUIRE_ADMIN_2FA: off by default, true or false in any case, anything else stops start-up', () => {
    expect(parseEnv({}).requireAdmin2fa).toBe(false);
    expect(parseEnv({ REQUIRE_ADMIN_2FA: 'true' }).requireAdmin2fa).toBe(true);
    expect(parseEnv({ REQUIRE_ADMIN_2FA: ' TRUE ' }).requireAdmin2fa).toBe(true);
    expect(parseEnv({ REQUIRE_ADMIN_2FA: 'false' }).requireAdmin2fa).toBe(false);
    expect(() => parseEnv({ REQUIRE_ADMIN_2FA: 'yes' })).toThrow(
      'Invalid environment variable REQUIRE_ADMIN_2FA="yes": expected one of true, false',
    );
  });

  it('the last-chance error line reads LOG_FORMAT leniently: anything but json is text', () => {
    expect(logFormatForFatalLine({ LOG_FORMAT: 'json' })).toBe('json');
    expect(logFormatForFatalLine({ LOG_FORMAT: 'Json ' })).toBe('json');
    expect(logFormatForFatalLine({ LOG_FORMAT: 'xml' })).toBe('text');
    expect(logFormatForFatalLine({})).toBe('text');
  });

  it('warns about BCRYPT_COST below 10, and only then', () => {
    expect(configWarnings(parseEnv({ BCRYPT_COST: '9' }))).toEqual([
      expect.stringMatching(/^BCRYPT_COST=9 is below 10/),
    ]);
    expect(configWarnings(parseEnv({ BCRYPT_COST: '4' }))).toHaveLength(1);
    expect(configWarnings(parseEnv({ BCRYPT_COST: '10' }))).toEqual([]);
    expect(configWarnings(parseEnv({}))).toEqual([]);
  });

  describe('STORE and the database settings', () => {
    const url = 'postgres://gatehouse:s3cret-pw@db.internal:5433/gatehouse';

    it('reads STORE=postgres with its URL and pool size', () => {
      const config = parseEnv({ STORE: 'postgres', DATABASE_URL: url, DATABASE_POOL_SIZE: '25' });
      expect(config).toMatchObject({ store: 'postgres', databaseUrl: url, databasePoolSize: 25 });
      expect(parseEnv({ STORE: 'Postgres', DATABASE_URL: 'postgresql://db/gh' }).databaseUrl).toBe(
        'postgresql://db/gh',
      );
    });

    it('refuses STORE=postgres without DATABASE_URL, naming it in one line', () => {
      let error: unknown;
      try {
        parseEnv({ STORE: 'postgres' });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidEnvError);
      expect((error as InvalidEnvError).variable).toBe('DATABASE_URL');
      expect((error as Error).message).toMatch(/^Missing environment variable DATABASE_URL: .*STORE=postgres/);
      expect((error as Error).message).not.toContain('\n');
    });

    it.each(['mysql://root:s3cret-pw@db/gh', 'not a url s3cret-pw', 'http://u:s3cret-pw@db/gh'])(
      'refuses DATABASE_URL=%s without echoing it',
      (value) => {
        expect(() => parseEnv({ STORE: 'postgres', DATABASE_URL: value })).toThrow(/DATABASE_URL="<hidden>"/);
        expect(() => parseEnv({ STORE: 'postgres', DATABASE_URL: value })).not.toThrow(/s3cret-pw/);
      },
    );

    it('ignores DATABASE_URL in files mode (it may belong to another program)', () => {
      const config = parseEnv({ DATABASE_URL: 'mysql://elsewhere/db' });
      expect(config.store).toBe('files');
      expect(config.databaseUrl).toBeUndefined();
    });
  });
});
