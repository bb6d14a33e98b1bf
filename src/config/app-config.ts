/** The typed, validated environment every module reads (SPEC §3). Built once at boot by `validateEnv`. */
export type CookieSecure = 'auto' | boolean;
export type GenerationProviderName = 'offline' | 'openai';
export type LogFormat = 'text' | 'json';
export type StoreKind = 'files' | 'postgres';

/**
 * What this process does (set by main.ts for the processes it forks, and by the CLI): `all` = one
 * process serving HTTP and running jobs; `web` = an HTTP worker of a cluster; `runner` = the cluster
 * primary, running jobs; `cli` = the admin CLI (no HTTP, no jobs, no setup URL).
 */
export type ProcessRole = 'all' | 'web' | 'runner' | 'cli';

export class AppConfig {
  nodeEnv: string;
  /** Internal (GATEHOUSE_ROLE), not an operator setting. */
  processRole: ProcessRole;
  /** 1-based index of a cluster's HTTP worker (GATEHOUSE_WORKER_INDEX); undefined outside a cluster. */
  workerIndex?: number;
  /** The setup token a cluster primary generated and handed to its workers (never written to a file). */
  generatedSetupToken?: string;
  port: number;
  host: string;
  /** Absolute path. */
  dataDir: string;
  /** Unset means "generate and persist under DATA_DIR" (see SessionSecretService). */
  sessionSecret?: string;
  adminBootstrapPassword?: string;
  adminSetupToken?: string;
  cookieSecure: CookieSecure;
  /** Passed as-is to express `trust proxy`; undefined means "do not trust X-Forwarded-For". */
  trustProxy?: boolean | number | string;
  /** The site's public origin (`https://gate.example.com`, no trailing slash) for links; unset: the request's. */
  publicUrl?: string;
  bcryptCost: number;
  loginMaxFailures: number;
  loginLockoutMinutes: number;
  loginMaxFailuresPerIp: number;
  registerMaxPerIpHour: number;
  generationProvider: GenerationProviderName;
  openaiApiKey?: string;
  openaiBaseUrl?: string;
  openaiModel: string;
  openaiTimeoutMs: number;
  openaiMaxRetries: number;
  generationConcurrency: number;
  /** How long a runner's claim on a job holds without a heartbeat (GENERATION_LEASE_SECONDS). */
  generationLeaseSeconds: number;
  webConcurrency: number;
  generationDailyDrafts: number;
  qcMinWords: number;
  qcMaxWords: number;
  qcBannedTerms: string[];
  sessionIdleMinutes: number;
  sessionAbsoluteHours: number;
  /** REQUIRE_ADMIN_2FA: admins without two-factor login reach only /account/2fa and logout. */
  requireAdmin2fa: boolean;
  /** API_TOKEN_MAX_DAYS: the longest lifetime a personal API token may be given (SPEC §5.2). */
  apiTokenMaxDays: number;
  /** `json`: every log line is one JSON object (time, level, context, message). */
  logFormat: LogFormat;
  /** Where every repository keeps its data (SPEC §9). */
  store: StoreKind;
  /** Set when `store` is 'postgres' (validated as a postgres:// URL). Holds a password: never log it. */
  databaseUrl?: string;
  /** Connections per process in the PostgreSQL pool. */
  databasePoolSize: number;
}
