import * as path from 'node:path';
import { AppConfig, GenerationProviderName, LogFormat, StoreKind, ProcessRole } from './app-config';

type Env = Record<string, string | undefined>;

/** Thrown for the first invalid variable; its message is the one line printed at start-up. */
export class InvalidEnvError extends Error {
  /** `value` undefined: the variable is required but missing. */
  constructor(
    readonly variable: string,
    accepts: string,
    value: string | undefined,
  ) {
    super(
      value === undefined
        ? `Missing environment variable ${variable}: expected ${accepts}`
        : `Invalid environment variable ${variable}=${JSON.stringify(value)}: expected ${accepts}`,
    );
    this.name = 'InvalidEnvError';
  }
}

export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];

/**
 * LOG_FORMAT as the last-chance error line in main.ts reads it, before (or without) a valid
 * environment: anything but a valid `json` means text, so the line that says what is wrong always prints.
 */
export function logFormatForFatalLine(env: Env): LogFormat {
  return env.LOG_FORMAT?.trim().toLowerCase() === 'json' ? 'json' : 'text';
}

/** Variables whose value must never be echoed, even in an error line. */
const SECRET_VARIABLES = new Set([
  'SESSION_SECRET',
  'ADMIN_BOOTSTRAP_PASSWORD',
  'ADMIN_SETUP_TOKEN',
  'OPENAI_API_KEY',
  // A connection string carries the database password.
  'DATABASE_URL',
]);

class EnvReader {
  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  fail(name: string, accepts: string): never {
    const shown = SECRET_VARIABLES.has(name) ? '<hidden>' : (this.env[name] ?? '');
    throw new InvalidEnvError(name, accepts, shown);
  }

  missing(name: string, accepts: string): never {
    throw new InvalidEnvError(name, accepts, undefined);
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      this.fail(name, `an integer from ${min} to ${max}`);
    }
    return Number(value);
  }

  /** Positive decimal (fractions allow short timeouts in tests). */
  positive(name: string, fallback: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!/^\d+(\.\d+)?$/.test(value) || parsed <= 0 || parsed > max) {
      this.fail(name, `a positive number up to ${max}`);
    }
    return parsed;
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (!allowed.includes(value as T)) this.fail(name, `one of ${allowed.join(', ')}`);
    return value as T;
  }

  secret(name: string, minLength: number): string | undefined {
    const value = this.raw(name);
    if (value !== undefined && value.length < minLength) {
      this.fail(name, `at least ${minLength} characters`);
    }
    return value;
  }

  /** An http(s) origin: scheme, host and optional port, nothing after it (a trailing `/` is dropped). */
  origin(name: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    let parsed: URL | undefined;
    try {
      parsed = new URL(value);
    } catch {
      parsed = undefined;
    }
    const bare =
      parsed &&
      (parsed.protocol === 'http:' || parsed.protocol === 'https:') &&
      !parsed.username &&
      !parsed.password &&
      parsed.pathname === '/' &&
      !parsed.search &&
      !parsed.hash &&
      !value.endsWith('?') &&
      !value.endsWith('#');
    if (!parsed || !bare) this.fail(name, 'an http(s) origin such as https://gate.example.com (no path)');
    return parsed.origin;
  }

  url(name: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    try {
      const parsed = new URL(value);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('scheme');
    } catch {
      this.fail(name, 'an http(s) URL');
    }
    return value;
  }

  /** A libpq-style connection URL (postgres:// or postgresql://); its credentials are never echoed. */
  postgresUrl(name: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    try {
      const parsed = new URL(value);
      if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') throw new Error('scheme');
    } catch {
      this.fail(name, 'a postgres:// or postgresql:// URL');
    }
    return value;
  }
}

/** STORE and, for PostgreSQL, its connection settings. DATABASE_URL is only read when STORE=postgres. */
function parseStore(r: EnvReader): Pick<AppConfig, 'store' | 'databaseUrl' | 'databasePoolSize'> {
  const store = r.oneOf<StoreKind>('STORE', 'files', ['files', 'postgres']);
  const databasePoolSize = r.int('DATABASE_POOL_SIZE', 10, 1, 1000);
  if (store === 'files') return { store, databasePoolSize };
  const databaseUrl = r.postgresUrl('DATABASE_URL');
  if (databaseUrl === undefined) r.missing('DATABASE_URL', 'a postgres:// URL (required when STORE=postgres)');
  return { store, databaseUrl, databasePoolSize };
}

function parseTrustProxy(reader: EnvReader): AppConfig['trustProxy'] {
  const value = reader.raw('TRUST_PROXY');
  if (value === undefined) return undefined;
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  // express also accepts names (loopback, uniquelocal) and comma-separated addresses / CIDRs.
  if (/^[A-Za-z0-9.:/,\s_-]+$/.test(value)) return value;
  return reader.fail('TRUST_PROXY', 'true, a hop count, or addresses/subnets as express "trust proxy" takes');
}

/**
 * Validates the whole environment (SPEC §3). Used as @nestjs/config's `validate` hook and by the CLI.
 * Returns `{ app }` so @nestjs/config does not copy the typed values back into process.env.
 */
export function parseEnv(env: Env, cwd = process.cwd()): AppConfig {
  const r = new EnvReader(env);
  const cookieSecure = r.oneOf('COOKIE_SECURE', 'auto', ['auto', 'true', 'false'] as const);
  const openaiApiKey = r.raw('OPENAI_API_KEY');
  const provider = r.oneOf<GenerationProviderName>('GENERATION_PROVIDER', openaiApiKey ? 'openai' : 'offline', [
    'offline',
    'openai',
  ]);
  if (provider === 'openai' && !openaiApiKey && !r.raw('OPENAI_BASE_URL')) {
    r.fail('GENERATION_PROVIDER', 'offline unless OPENAI_API_KEY or OPENAI_BASE_URL is set');
  }
  const qcMinWords = r.int('GENERATION_QC_MIN_WORDS', 20, 0, 100000);
  const qcMaxWords = r.int('GENERATION_QC_MAX_WORDS', 2000, 1, 1000000);
  if (qcMaxWords < qcMinWords) r.fail('GENERATION_QC_MAX_WORDS', 'a number not below GENERATION_QC_MIN_WORDS');

  const config: AppConfig = {
    nodeEnv: r.raw('NODE_ENV') ?? 'development',
    processRole: r.oneOf<ProcessRole>('GATEHOUSE_ROLE', 'all', ['all', 'web', 'runner', 'cli']),
    workerIndex: r.raw('GATEHOUSE_WORKER_INDEX') === undefined ? undefined : r.int('GATEHOUSE_WORKER_INDEX', 1, 1, 64),
    generatedSetupToken: r.raw('GATEHOUSE_GENERATED_SETUP_TOKEN'),
    port: r.int('PORT', 3000, 0, 65535),
    host: r.raw('HOST') ?? '127.0.0.1',
    dataDir: path.resolve(cwd, r.raw('DATA_DIR') ?? './data'),
    sessionSecret: r.secret('SESSION_SECRET', 32),
    adminBootstrapPassword: r.secret('ADMIN_BOOTSTRAP_PASSWORD', 8),
    adminSetupToken: r.secret('ADMIN_SETUP_TOKEN', 16),
    cookieSecure: cookieSecure === 'auto' ? 'auto' : cookieSecure === 'true',
    trustProxy: parseTrustProxy(r),
    publicUrl: r.origin('PUBLIC_URL'),
    bcryptCost: r.int('BCRYPT_COST', 12, 4, 15),
    loginMaxFailures: r.int('LOGIN_MAX_FAILURES', 5, 1, 1000),
    loginLockoutMinutes: r.positive('LOGIN_LOCKOUT_MINUTES', 15, 24 * 60),
    loginMaxFailuresPerIp: r.int('LOGIN_MAX_FAILURES_PER_IP', 50, 1, 100000),
    registerMaxPerIpHour: r.int('REGISTER_MAX_PER_IP_HOUR', 20, 1, 100000),
    generationProvider: provider,
    openaiApiKey,
    openaiBaseUrl: r.url('OPENAI_BASE_URL'),
    openaiModel: r.raw('OPENAI_MODEL') ?? 'gpt-4o-mini',
    openaiTimeoutMs: r.int('OPENAI_TIMEOUT_MS', 60000, 100, 600000),
    openaiMaxRetries: r.int('OPENAI_MAX_RETRIES', 2, 0, 10),
    generationConcurrency: r.int('GENERATION_CONCURRENCY', 2, 1, 64),
    generationLeaseSeconds: r.int('GENERATION_LEASE_SECONDS', 30, 2, 3600),
    webConcurrency: r.int('WEB_CONCURRENCY', 1, 1, 64),
    generationDailyDrafts: r.int('GENERATION_DAILY_DRAFTS', 50, 0, 1000000),
    qcMinWords,
    qcMaxWords,
    qcBannedTerms: (r.raw('GENERATION_QC_BANNED_TERMS') ?? 'lorem ipsum,as an ai language model,TODO')
      .split(',')
      .map((term) => term.trim())
      .filter(Boolean),
    sessionIdleMinutes: r.positive('SESSION_IDLE_MINUTES', 720, 60 * 24 * 365),
    sessionAbsoluteHours: r.positive('SESSION_ABSOLUTE_HOURS', 168, 24 * 365),
    requireAdmin2fa: r.oneOf('REQUIRE_ADMIN_2FA', 'false', ['true', 'false'] as const) === 'true',
    apiTokenMaxDays: r.int('API_TOKEN_MAX_DAYS', 365, 1, 36500),
    logFormat: r.oneOf<LogFormat>('LOG_FORMAT', 'text', LOG_FORMATS),
    ...parseStore(r),
  };
  return config;
}

/** Below this bcrypt cost, start-up warns (SPEC §3): tests use 4, production should not. */
export const BCRYPT_COST_WARN_BELOW = 10;

/**
 * Valid but risky settings, as one line each for the start-up log. Never includes a secret's value
 * (only BCRYPT_COST's, which is not one).
 */
export function configWarnings(config: AppConfig): string[] {
  const warnings: string[] = [];
  if (config.bcryptCost < BCRYPT_COST_WARN_BELOW) {
    warnings.push(
      `BCRYPT_COST=${config.bcryptCost} is below ${BCRYPT_COST_WARN_BELOW}: password hashes are quick to crack ` +
        'if DATA_DIR leaks; use 10 or more (12 is the default) outside tests',
    );
  }
  return warnings;
}

export function validateEnv(env: Env): { app: AppConfig } {
  return { app: parseEnv(env) };
}

/**
 * The store chosen by STORE, read when the application module is put together (before Nest validates the
 * whole environment again through ConfigModule). Throws InvalidEnvError like parseEnv.
 */
export function storeKindFromEnv(env: Env = process.env): StoreKind {
  return parseEnv(env).store;
}
