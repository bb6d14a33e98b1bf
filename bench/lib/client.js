'use strict';
/**
 * A tiny browser-like HTTP client over fetch: keeps its cookies (the session cookie, and before login the
 * pre-login CSRF cookie) and reads CSRF tokens from forms.
 */

const COOKIE_NAME = 'gatehouse.sid';

class Client {
  /** `extraHeaders`: sent with every request (e.g. X-Forwarded-For to a server with TRUST_PROXY=loopback). */
  constructor(base, cookieName = COOKIE_NAME, extraHeaders = {}) {
    this.base = base;
    this.cookieName = cookieName;
    this.extraHeaders = extraHeaders;
    /** name → value of every cookie the server set and has not cleared. */
    this.jar = new Map();
  }

  /** `name=value` of the session cookie, or '' before there is one. */
  get cookie() {
    return this.jar.has(this.cookieName) ? `${this.cookieName}=${this.jar.get(this.cookieName)}` : '';
  }

  async get(path) {
    const res = await fetch(this.base + path, { headers: this.headers(), redirect: 'manual' });
    this.keepCookie(res);
    return { status: res.status, text: await res.text(), location: res.headers.get('location') };
  }

  async post(path, form) {
    const res = await fetch(this.base + path, {
      method: 'POST',
      headers: { ...this.headers(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
      redirect: 'manual',
    });
    this.keepCookie(res);
    return { status: res.status, text: await res.text(), location: res.headers.get('location') };
  }

  /** The CSRF token of the form on `path`. */
  async csrf(path) {
    const page = await this.get(path);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
    if (!token) throw new Error(`no CSRF token on ${path} (HTTP ${page.status})`);
    return token;
  }

  /**
   * Logs in through the real form; throws unless the app answers 303. Returns the logged-in session's
   * CSRF token (login starts a new session with a new token: the login page's one no longer works).
   */
  async login(username, password) {
    const _csrf = await this.csrf('/login');
    const res = await this.post('/login', { username, password, _csrf });
    if (res.status !== 303) throw new Error(`login as ${username} failed: HTTP ${res.status}`);
    return this.csrf('/account/password');
  }

  /** `name=value` of the session cookie, for load tools. */
  cookieHeader() {
    if (!this.cookie) throw new Error('no session cookie yet');
    return this.cookie;
  }

  headers() {
    const cookie = [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
    return cookie ? { ...this.extraHeaders, cookie } : { ...this.extraHeaders };
  }

  keepCookie(res) {
    for (const c of res.headers.getSetCookie?.() ?? []) {
      const pair = c.split(';')[0];
      const eq = pair.indexOf('=');
      if (/Expires=Thu, 01 Jan 1970/i.test(c)) this.jar.delete(pair.slice(0, eq));
      else this.jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  }
}

module.exports = { Client, COOKIE_NAME };
