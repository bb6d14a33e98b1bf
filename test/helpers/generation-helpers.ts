import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Response } from 'supertest';
import * as yauzl from 'yauzl';
import { Agent, mintInvite, register, TestApp } from './test-app';

export const USER_PASSWORD = 'a perfectly fine passphrase';

/** A registered, logged-in user (invite minted through the service). */
export async function makeUser(t: TestApp, username: string): Promise<{ agent: Agent; csrf: string }> {
  const code = await mintInvite(t);
  const { agent, csrf, res } = await register(t, username, USER_PASSWORD, code);
  if (res.status !== 303) throw new Error(`register ${username} answered ${res.status}`);
  return { agent, csrf };
}

export function postGenerate(
  user: { agent: Agent; csrf: string },
  fields: Record<string, string | number>,
): Promise<Response> {
  return user.agent
    .post('/generate')
    .type('form')
    .send({ _csrf: user.csrf, ...fields });
}

/** The job id from POST /generate's 303 Location. */
export function jobIdFrom(res: Response): string {
  const match = /^\/result\/([0-9a-f-]{36})$/.exec(res.headers.location ?? '');
  if (res.status !== 303 || !match)
    throw new Error(`expected 303 to /result/<id>, got ${res.status} ${res.headers.location}`);
  return match[1];
}

export async function generateJob(
  user: { agent: Agent; csrf: string },
  prompt: string,
  count: number,
): Promise<string> {
  return jobIdFrom(await postGenerate(user, { prompt, count }));
}

/** Polls GET /api/job/<id> (bounded, no fixed sleeps) until the job is succeeded or failed. */
export async function waitForJob(agent: Agent, id: string, timeoutMs = 10_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await agent.get(`/api/job/${id}`);
    if (res.status !== 200) throw new Error(`GET /api/job/${id} answered ${res.status}`);
    if (res.body.status === 'succeeded' || res.body.status === 'failed') return res.body;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${res.body.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Waits for a condition on disk or in the app (bounded). */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Every job.json under DATA_DIR/jobs (for tests of the file format; others use generation-state.ts). */
export function allJobs(dataDir: string): any[] {
  const dir = path.join(dataDir, 'jobs');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => fs.existsSync(path.join(dir, name, 'job.json')))
    .map((name) => JSON.parse(fs.readFileSync(path.join(dir, name, 'job.json'), 'utf8')));
}

/** supertest parser that keeps the body as a Buffer (zip downloads). */
export function binaryParser(res: any, callback: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
  res.on('error', (err: Error) => callback(err, Buffer.alloc(0)));
}

/** Unzips a buffer with yauzl: entry name → contents. */
export function unzip(buffer: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buffer, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('no zip'));
      const files = new Map<string, Buffer>();
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (streamErr, stream) => {
          if (streamErr || !stream) return reject(streamErr ?? new Error('no stream'));
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => {
            files.set(entry.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
          stream.on('error', reject);
        });
      });
      zip.on('end', () => resolve(files));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}
