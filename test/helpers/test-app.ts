import type { LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { Clock, ManualClock } from '../../src/common/clock/clock';
import { AuditEntry } from '../../src/audit/audit-event';
import { AuditLog } from '../../src/audit/audit-log';
import { Invite } from '../../src/invites/invite.model';
import { InvitesRepository } from '../../src/invites/invites.repository';
import { User } from '../../src/users/user.model';
import { UsersRepository } from '../../src/users/users.repository';
import { databaseFor } from './e2e-databases';
import { testStore } from './store-mode';

/**
 * What the app has stored, read through its repositories (whatever the store): tests assert on state
 * without parsing the data files. Tests about the file format itself read the files.
 */
export interface TestState {
  /** In creation order. */
  users(): Promise<User[]>;
  user(username: string): Promise<User | undefined>;
  passwordHash(username: string): Promise<string | undefined>;
  /** In creation order, with their status at the test clock's now. */
  invites(): Promise<Invite[]>;
  invite(code: string): Promise<Invite | undefined>;
  /** Oldest first. */
  audit(): Promise<AuditEntry[]>;
}

export interface TestApp {
  app: NestExpressApplication;
  dataDir: string;
  /** The store this app runs on (GATEHOUSE_TEST_STORE, or STORE in `env`). */
  store: 'files' | 'postgres';
  /** The environment the app started with (DATABASE_URL included in postgres mode): for a CLI or a second app on the same store. */
  env: Record<string, string>;
  clock: ManualClock;
  state: TestState;
  http: ReturnType<NestExpressApplication['getHttpServer']>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /**
   * Postgres mode: run on this database instead of the DATA_DIR's own (the caller drops it). A restart
   * or a second app on the same store just passes the same `dataDir`. Files mode: ignored.
   */
  databaseUrl?: string;
  dataDir?: string;
  /** Write these files into DATA_DIR before start (e.g. prototype users.json). */
  files?: Record<string, string>;
  /** Where the app's log goes (e.g. a CaptureLogger); tests are silent by default. */
  logger?: LoggerService;
}

/** Fast defaults for tests: cheap bcrypt, a fixed setup token, no .env file. */
export const TEST_SETUP_TOKEN = 'test-setup-token-0123456789';

export function makeDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-test-'));
}

/**
 * The real app (same configureApp as main.ts) on a temp DATA_DIR, with a controllable clock. In
 * postgres mode (GATEHOUSE_TEST_STORE=postgres, the `e2e-postgres` project) it runs with STORE=postgres
 * on a database of its own (the same one again when an app restarts on the same DATA_DIR; see
 * e2e-databases.ts); DATA_DIR is still made (a few tests plant files there) and close() checks that the
 * app wrote nothing into it.
 */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = options.dataDir ?? makeDataDir();
  for (const [name, content] of Object.entries(options.files ?? {})) {
    fs.mkdirSync(path.dirname(path.join(dataDir, name)), { recursive: true });
    fs.writeFileSync(path.join(dataDir, name), content);
  }
  const store = options.env?.STORE === 'files' || options.env?.STORE === 'postgres' ? options.env.STORE : testStore();
  const storeEnv: Record<string, string> = {};
  if (store === 'postgres') {
    storeEnv.STORE = 'postgres';
    storeEnv.DATABASE_URL = options.databaseUrl ?? options.env?.DATABASE_URL ?? (await databaseFor(dataDir));
    storeEnv.DATABASE_POOL_SIZE = '4';
  }
  const env: Record<string, string> = {
    DATA_DIR: dataDir,
    BCRYPT_COST: '4',
    ADMIN_SETUP_TOKEN: TEST_SETUP_TOKEN,
    SESSION_SECRET: 'test-session-secret-0123456789-abcdefghijkl',
    GATEHOUSE_IGNORE_ENV_FILE: '1',
    ...storeEnv,
    ...options.env,
  };
  const before = store === 'postgres' ? listTree(dataDir) : [];
  const saved = withEnv(env);
  const clock = new ManualClock();
  try {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot()] })
      .overrideProvider(Clock)
      .useValue(clock)
      .compile();
    const app = moduleRef.createNestApplication<NestExpressApplication>({
      bodyParser: false,
      logger: options.logger ?? false,
    });
    configureApp(app);
    await app.init();
    let closed = false;
    return {
      app,
      dataDir,
      store,
      env,
      clock,
      state: stateOf(app, clock),
      http: app.getHttpServer(),
      close: async () => {
        if (closed) return;
        closed = true;
        await app.close();
        if (store === 'postgres') {
          const written = listTree(dataDir).filter((name) => !before.includes(name));
          if (written.length > 0) {
            throw new Error(`STORE=postgres wrote under DATA_DIR (it must not): ${written.join(', ')}`);
          }
        }
      },
    };
  } finally {
    saved();
  }
}

/** Every path under `dir` (relative), for the "postgres mode writes nothing under DATA_DIR" check. */
function listTree(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).map(String).sort();
}

function stateOf(app: NestExpressApplication, clock: Clock): TestState {
  const users = app.get(UsersRepository);
  const invites = app.get(InvitesRepository);
  const audit = app.get(AuditLog);
  return {
    users: () => users.list(),
    user: (username) => users.findByUsername(username),
    passwordHash: async (username) => (await users.findCredentials(username))?.passwordHash,
    invites: () => invites.list(clock.now()),
    invite: (code) => invites.findByCode(code, clock.now()),
    audit: async () => (await audit.recent(Number.MAX_SAFE_INTEGER)).reverse(),
  };
}

/** Sets env vars (unset the rest of the Gatehouse ones) and returns a function restoring them. */
function withEnv(env: Record<string, string>): () => void {
  const keys = new Set([...Object.keys(env), ...GATEHOUSE_VARS]);
  const previous = new Map([...keys].map((k) => [k, process.env[k]]));
  for (const k of GATEHOUSE_VARS) delete process.env[k];
  Object.assign(process.env, env);
  return () => {
    for (const [k, v] of previous) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

const GATEHOUSE_VARS = [
  'STORE',
  'DATABASE_URL',
  'DATABASE_POOL_SIZE',
  'GATEHOUSE_GENERATED_SETUP_TOKEN',
  'PORT',
  'HOST',
  'DATA_DIR',
  'SESSION_SECRET',
  'ADMIN_BOOTSTRAP_PASSWORD',
  'ADMIN_SETUP_TOKEN',
  'COOKIE_SECURE',
  'TRUST_PROXY',
  'PUBLIC_URL',
  'BCRYPT_COST',
  'LOGIN_MAX_FAILURES',
  'LOGIN_LOCKOUT_MINUTES',
  'LOGIN_MAX_FAILURES_PER_IP',
  'REGISTER_MAX_PER_IP_HOUR',
  'GENERATION_PROVIDER',
  'OPENAI_API_KEY',
  'OPENAI_BASE_URL',
  'OPENAI_MODEL',
  'GENERATION_CONCURRENCY',
  'WEB_CONCURRENCY',
  'GENERATION_DAILY_DRAFTS',
  'SESSION_IDLE_MINUTES',
  'SESSION_ABSOLUTE_HOURS',
  'LOG_FORMAT',
  'REQUIRE_ADMIN_2FA',
  'API_TOKEN_MAX_DAYS',
];

export function rmDataDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export type Agent = ReturnType<typeof request.agent>;

/** Reads the `_csrf` hidden field from a page. */
export function csrfFrom(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('No _csrf field on the page');
  return match[1];
}

/**
 * The CSRF token of a logged-in agent. Login, registration and setup start a new session with a new
 * token (the login page's token dies), so helpers that log in read the new one from a page.
 */
export async function freshCsrf(agent: Agent): Promise<string> {
  return csrfFrom((await agent.get('/account/password').expect(200)).text);
}

/** An agent with a session and its CSRF token (fetched from the login page). */
export async function newAgent(t: TestApp): Promise<{ agent: Agent; csrf: string }> {
  const agent = request.agent(t.http);
  const page = await agent.get('/login').expect(200);
  return { agent, csrf: csrfFrom(page.text) };
}

export async function setupAdmin(
  t: TestApp,
  username = 'root',
  password = 'correct horse battery',
): Promise<{ agent: Agent; csrf: string }> {
  const agent = request.agent(t.http);
  const page = await agent.get(`/admin/setup?token=${TEST_SETUP_TOKEN}`).expect(200);
  const csrf = csrfFrom(page.text);
  await agent
    .post('/admin/setup')
    .type('form')
    .send({ username, password, token: TEST_SETUP_TOKEN, _csrf: csrf })
    .expect(303);
  return { agent, csrf: await freshCsrf(agent) };
}

export async function loginAs(t: TestApp, username: string, password: string): Promise<{ agent: Agent; csrf: string }> {
  const { agent, csrf } = await newAgent(t);
  await agent.post('/login').type('form').send({ username, password, _csrf: csrf }).expect(303);
  return { agent, csrf: await freshCsrf(agent) };
}

export function readJson<T = any>(dir: string, file: string): T {
  return JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as T;
}

/** The session cookie's value from a response, if it set one. */
export function sessionCookie(res: { headers: Record<string, unknown> }): string | undefined {
  const cookies = (res.headers['set-cookie'] as string[] | undefined) ?? [];
  return cookies.find((c) => c.startsWith('gatehouse.sid='));
}

/** Mints an invite straight through the service (the admin panel has its own tests). */
export async function mintInvite(t: TestApp, options: Record<string, unknown> = {}): Promise<string> {
  // Imported lazily so this helper file does not pull the invites module into every test.
  const { InvitesService } = await import('../../src/invites/invites.service');
  const invite = await t.app.get(InvitesService).mint({ createdBy: 'root', ...options });
  return invite.code;
}

/** Registers through the real form; returns the logged-in agent. */
export async function register(t: TestApp, username: string, password: string, inviteCode: string) {
  const agent = request.agent(t.http);
  const page = await agent.get(`/register?code=${encodeURIComponent(inviteCode)}`).expect(200);
  const csrf = csrfFrom(page.text);
  const res = await agent.post('/register').type('form').send({ username, password, inviteCode, _csrf: csrf });
  return { agent, csrf: res.status === 303 ? await freshCsrf(agent) : csrf, res };
}

/** Logs in and returns the raw `gatehouse.sid=...` cookie pair, for replaying or restarting. */
export async function loginCookie(t: TestApp, username: string, password: string): Promise<string> {
  const { agent, csrf } = await newAgent(t);
  const res = await agent.post('/login').type('form').send({ username, password, _csrf: csrf }).expect(303);
  return sessionCookie(res)!.split(';')[0];
}
