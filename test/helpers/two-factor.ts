import { Totp } from '../../src/auth/two-factor/totp';
import { Agent, csrfFrom, newAgent, TestApp } from './test-app';

/** The otplib wrapper the app uses: the tests compute codes like a phone app would. */
export const totp = new Totp();

/** The base32 secret as the enrolment page shows it (grouped by four). */
export function secretFrom(html: string): string {
  const match = /data-testid="2fa-secret">([A-Z2-7 ]+)</.exec(html);
  if (!match) throw new Error('No two-factor secret on the page');
  return match[1].replace(/ /g, '');
}

export function recoveryCodesFrom(html: string): string[] {
  return [...html.matchAll(/<li><code>([a-z2-7-]+)<\/code><\/li>/g)].map((m) => m[1]);
}

/** Enrols the agent's user through the pages; returns the secret and the recovery codes shown once. */
export async function enrolTwoFactor(t: TestApp, agent: Agent): Promise<{ secret: string; codes: string[] }> {
  const start = await agent.get('/account/2fa').expect(200);
  const setup = await agent
    .post('/account/2fa/setup')
    .type('form')
    .send({ _csrf: csrfFrom(start.text) })
    .expect(200);
  const secret = secretFrom(setup.text);
  const done = await agent
    .post('/account/2fa/enable')
    .type('form')
    .send({ _csrf: csrfFrom(setup.text), code: totp.generate(secret, t.clock.now()) })
    .expect(200);
  return { secret, codes: recoveryCodesFrom(done.text) };
}

/** A fresh code for the next time step (the enrolment or the last login used the current one). */
export function nextCode(t: TestApp, secret: string): string {
  t.clock.advance(30_000);
  return totp.generate(secret, t.clock.now());
}

/** The password step of a login; the agent then holds a half-done login (303 to /login/2fa). */
export async function passwordStep(t: TestApp, username: string, password: string, next?: string) {
  const { agent, csrf } = await newAgent(t);
  const res = await agent
    .post('/login')
    .type('form')
    .send({ username, password, _csrf: csrf, ...(next === undefined ? {} : { next }) });
  return { agent, res };
}

/** Sends a code to /login/2fa with the page's CSRF token. */
export async function codeStep(agent: Agent, code: string) {
  const page = await agent.get('/login/2fa');
  const csrf = page.status === 200 ? csrfFrom(page.text) : 'none';
  return agent.post('/login/2fa').type('form').send({ code, _csrf: csrf });
}

/** Logs in with password and code; returns the logged-in agent. */
export async function loginWithCode(t: TestApp, username: string, password: string, code: string): Promise<Agent> {
  const { agent, res } = await passwordStep(t, username, password);
  if (res.status !== 303 || res.headers.location !== '/login/2fa') throw new Error(`password step: ${res.status}`);
  const done = await codeStep(agent, code);
  if (done.status !== 303) throw new Error(`code step: ${done.status}`);
  return agent;
}
