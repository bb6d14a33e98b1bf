/** The cookies a browser would keep across fetch() calls: set by Set-Cookie, dropped when expired. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  /** The request's Cookie header, or no header while the jar is empty. */
  headers(): Record<string, string> {
    const header = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    return header ? { cookie: header } : {};
  }

  keep(res: Response): void {
    for (const c of res.headers.getSetCookie?.() ?? []) {
      const pair = c.split(';')[0];
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      if (/Expires=Thu, 01 Jan 1970/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1));
    }
  }
}
