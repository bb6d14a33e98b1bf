import { CookieJar } from './cookie-jar';
import { Client } from 'pg';
import { CliResult, spawnCli } from './cli';
import { ROOT } from './dist';
import { ServerProcess, startServer } from './server-process';

/**
 * A browser that talks to several hosts of one site (as a load balancer would send its requests to
 * any of them): one cookie jar, the host chosen per request.
 */
export class SiteClient {
  private readonly cookies = new CookieJar();

  async get(host: string, path: string): Promise<{ status: number; text: string; location: string | null }> {
    const res = await fetch(host + path, { headers: this.cookies.headers(), redirect: 'manual' });
    this.cookies.keep(res);
    return { status: res.status, text: await res.text(), location: res.headers.get('location') };
  }

  async post(
    host: string,
    path: string,
    form: Record<string, string>,
  ): Promise<{ status: number; text: string; location: string | null }> {
    const res = await fetch(host + path, {
      method: 'POST',
      headers: { ...this.cookies.headers(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
      redirect: 'manual',
    });
    this.cookies.keep(res);
    return { status: res.status, text: await res.text(), location: res.headers.get('location') };
  }

  /** GETs `page` on `host` for its CSRF token, then POSTs the form to `action` on `postHost` (default the same). */
  async submit(host: string, page: string, action: string, form: Record<string, string>, postHost = host) {
    const got = await this.get(host, page);
    const token = /name="_csrf" value="([^"]+)"/.exec(got.text)?.[1];
    if (!token) throw new Error(`no CSRF token on ${page} (${got.status})`);
    return this.post(postHost, action, { ...form, _csrf: token });
  }

  async login(host: string, username: string, password: string): Promise<number> {
    return (await this.submit(host, '/login', '/login', { username, password })).status;
  }
}

/** One app process of a postgres-mode site, with its own (unshared) DATA_DIR. */
export function startHost(
  dataDir: string,
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  return startServer(dataDir, {
    STORE: 'postgres',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '6',
    ...env,
  });
}

/** `node dist/cli.js` in postgres mode, with no DATA_DIR at all, run from `cwd`. */
export function runPgCli(
  databaseUrl: string,
  args: string[],
  options: { input?: string; cwd?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  return spawnCli(args, {
    cwd: options.cwd ?? ROOT,
    input: options.input,
    env: {
      PATH: process.env.PATH ?? '',
      STORE: 'postgres',
      DATABASE_URL: databaseUrl,
      BCRYPT_COST: '4',
      GATEHOUSE_IGNORE_ENV_FILE: '1',
      ...options.env,
    },
  });
}

/** One query on its own connection (the test's view of the database, beside the hosts). */
export async function sql<T = any>(databaseUrl: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

export async function eventually<T>(check: () => Promise<T | undefined>, withinMs: number, what: string): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
