import { ChildProcess, spawn } from 'node:child_process';
import * as net from 'node:net';
import { DIST_MAIN, ROOT } from './dist';
import { TEST_SETUP_TOKEN } from './test-app';
import { CookieJar } from './cookie-jar';

export interface ServerProcess {
  url: string;
  port: number;
  child: ChildProcess;
  output: () => string;
  /** Each stream on its own (output() interleaves them), e.g. to parse every line. */
  stdout: () => string;
  stderr: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Starts the built server (`node dist/main.js`) on a free port and waits until /healthz answers. */
export async function startServer(dataDir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [DIST_MAIN], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      GATEHOUSE_IGNORE_ENV_FILE: '1',
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      BCRYPT_COST: '4',
      ADMIN_SETUP_TOKEN: TEST_SETUP_TOKEN,
      SESSION_SECRET: 'process-test-secret-0123456789-abcdefghijkl',
      REGISTER_MAX_PER_IP_HOUR: '100000',
      LOGIN_MAX_FAILURES_PER_IP: '100000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    output += d.toString();
    stdout += d.toString();
  });
  child.stderr.on('data', (d) => {
    output += d.toString();
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    port,
    child,
    output: () => output,
    stdout: () => stdout,
    stderr: () => stderr,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/**
 * A tiny browser-like client over fetch: keeps its cookies (the session, and before login the
 * pre-login CSRF cookie), reads CSRF tokens from pages.
 */
export class HttpClient {
  private readonly cookies = new CookieJar();

  constructor(private readonly base: string) {}

  async get(path: string): Promise<{ status: number; text: string; location: string | null }> {
    const res = await fetch(this.base + path, { headers: this.cookies.headers(), redirect: 'manual' });
    this.cookies.keep(res);
    return { status: res.status, text: await res.text(), location: res.headers.get('location') };
  }

  async post(
    path: string,
    form: Record<string, string>,
  ): Promise<{ status: number; text: string; location: string | null }> {
    const res = await fetch(this.base + path, {
      method: 'POST',
      headers: { ...this.cookies.headers(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
      redirect: 'manual',
    });
    this.cookies.keep(res);
    return { status: res.status, text: await res.text(), location: res.headers.get('location') };
  }

  /** GETs a page with a form and POSTs it with that page's CSRF token. */
  async submit(pagePath: string, action: string, form: Record<string, string>) {
    const page = await this.get(pagePath);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
    if (!token) throw new Error(`no CSRF token on ${pagePath} (${page.status})`);
    return this.post(action, { ...form, _csrf: token });
  }

  /** `name=value` of the session cookie, once there is one. */
  get cookie(): string {
    const sid = this.cookies.get('gatehouse.sid');
    return sid === undefined ? '' : `gatehouse.sid=${sid}`;
  }
}
