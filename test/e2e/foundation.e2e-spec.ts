import request from 'supertest';
import { createTestApp, rmDataDir, TestApp } from '../helpers/test-app';

describe('foundation (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
    rmDataDir(t.dataDir);
  });

  it('GET /healthz answers {"status":"ok"} without a session', async () => {
    const res = await request(t.http).get('/healthz').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('serves the public landing page in the base layout with a log-in prompt', async () => {
    const res = await request(t.http).get('/').expect(200);
    expect(res.text).toContain('<title>Gatehouse</title>');
    expect(res.text).toContain('Log in to generate');
    expect(res.text).toContain('href="/static/css/app.css"');
  });

  it('serves static assets under /static/', async () => {
    const res = await request(t.http).get('/static/css/app.css').expect(200);
    expect(res.headers['content-type']).toMatch(/css/);
  });

  it('sends no ETag on pages and API answers; static files keep theirs and Last-Modified (DECISIONS)', async () => {
    for (const path of ['/', '/login', '/api/openapi.json', '/healthz']) {
      const res = await request(t.http).get(path).expect(200);
      expect({ path, etag: res.headers.etag }).toEqual({ path, etag: undefined });
    }
    const css = await request(t.http).get('/static/css/app.css').expect(200);
    expect(css.headers.etag).toMatch(/^W\/"/);
    expect(css.headers['last-modified']).toEqual(expect.any(String));
    await request(t.http).get('/static/css/app.css').set('If-None-Match', css.headers.etag).expect(304);
  });

  it('sends security headers: CSP without inline script, nosniff, frame denial', async () => {
    const res = await request(t.http).get('/').expect(200);
    const csp = res.headers['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('answers an unknown page with the 404 page', async () => {
    const res = await request(t.http).get('/no/such/page').set('Accept', 'text/html').expect(404);
    expect(res.headers['content-type']).toMatch(/html/);
    expect(res.text).toContain('404');
  });

  it('answers an unknown /api/ path with 404 JSON', async () => {
    const res = await request(t.http).get('/api/nothing-here').expect(404);
    expect(res.headers['content-type']).toMatch(/json/);
    expect(res.body.error).toEqual(expect.any(String));
  });

  it('refuses a 2 MB body with 413 and keeps serving', async () => {
    const big = 'a'.repeat(2 * 1024 * 1024);
    const res = await request(t.http).post('/login').type('form').send({ username: big, password: 'x' });
    expect(res.status).toBe(413);
    await request(t.http).get('/healthz').expect(200);
  });

  it('refuses a 2 MB JSON body under /api/ with 413 JSON', async () => {
    const res = await request(t.http)
      .post('/api/job/x')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ a: 'b'.repeat(2 * 1024 * 1024) }));
    expect(res.status).toBe(413);
    expect(res.body.error).toMatch(/too large/);
  });
});
