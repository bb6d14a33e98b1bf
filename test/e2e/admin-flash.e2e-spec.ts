import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestApp, rmDataDir, setupAdmin, TestApp } from '../helpers/test-app';

/**
 * Browsers follow a 303 as soon as its headers arrive. The one-time panel messages (a minted invite,
 * a notice) must already be in the stored session by then, or the next page misses them and a later
 * one shows them. (A reset link is no flash: the POST's own answer shows it, see admin.e2e-spec.ts.)
 */
describe('admin panel one-time messages (e2e)', () => {
  let t: TestApp;
  let base: string;

  beforeAll(async () => {
    t = await createTestApp();
    await new Promise<void>((resolve) => t.http.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(t.http.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await t.close();
    rmDataDir(t.dataDir);
  });

  /** POSTs a form and resolves with the cookie and status as soon as the response headers arrive. */
  function postHeadersOnly(path: string, cookie: string, form: Record<string, string>): Promise<number> {
    return new Promise((resolve, reject) => {
      const body = new URLSearchParams(form).toString();
      const req = http.request(`${base}${path}`, {
        method: 'POST',
        headers: {
          cookie,
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
        },
      });
      req.on('response', (res) => {
        resolve(res.statusCode ?? 0);
        res.resume();
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  it('the message is stored before the redirect is answered, and shown exactly once', async () => {
    const admin = await setupAdmin(t);
    const login = await admin.agent.get('/admin').expect(200);
    const cookie = (login.request as unknown as { cookies: string }).cookies;
    for (let i = 0; i < 5; i++) {
      const status = await postHeadersOnly('/admin/invites', cookie, { _csrf: admin.csrf, note: `n${i}` });
      expect(status).toBe(303);
      const next = await fetch(`${base}/admin`, { headers: { cookie } }).then((r) => r.text());
      expect(next).toContain('data-testid="minted-code"');
      const after = await fetch(`${base}/admin`, { headers: { cookie } }).then((r) => r.text());
      expect(after).not.toContain('data-testid="minted-code"');
    }
  });
});
