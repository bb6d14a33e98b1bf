import request from 'supertest';
import { listRoutes } from '../helpers/routes';
import { createTestApp, rmDataDir, TestApp } from '../helpers/test-app';

/** GET /api/openapi.json: generated from the controllers, public, and covering every /api route. */
describe('OpenAPI document (e2e)', () => {
  let t: TestApp;
  let doc: any;

  beforeAll(async () => {
    t = await createTestApp();
    const res = await request(t.http).get('/api/openapi.json').expect(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    doc = JSON.parse(res.text);
  });
  afterAll(async () => {
    await t.close();
    rmDataDir(t.dataDir);
  });

  it('is an OpenAPI 3 document with the cookie + CSRF header and bearer schemes', () => {
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info).toMatchObject({ title: 'Gatehouse API', version: '1' });
    expect(doc.components.securitySchemes).toEqual({
      session: { type: 'apiKey', in: 'cookie', name: 'gatehouse.sid' },
      csrf: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'x-csrf-token' }),
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    });
  });

  it('describes every /api route the app declares (and nothing else)', () => {
    const declared = listRoutes(t.app)
      .filter((r) => r.path.startsWith('/api/') && r.path !== '/api/openapi.json')
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`)
      .sort();
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`))
      .sort();
    expect(documented).toEqual(declared);
    expect(declared).toEqual(
      ['get /api/job/{jobId}', 'get /api/job/{jobId}/manifest', 'get /api/jobs', 'post /api/jobs'].sort(),
    );
  });

  it('names parameters, bodies, responses and security per route', () => {
    const list = doc.paths['/api/jobs'].get;
    expect(list.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`).sort()).toEqual([
      'query:before',
      'query:limit',
    ]);
    expect(list.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/JobListJson');
    expect(list.security).toEqual(expect.arrayContaining([{ session: [] }, { bearer: [] }]));

    const create = doc.paths['/api/jobs'].post;
    expect(create.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/GenerateDto');
    expect(Object.keys(create.responses).sort()).toEqual(['201', '400', '401', '403', '429']);
    expect(create.security).toEqual([{ bearer: [] }, { session: [], csrf: [] }]);
    expect(doc.components.schemas.GenerateDto).toMatchObject({
      required: ['prompt'],
      properties: { prompt: { maxLength: 4000 }, count: { minimum: 1, maximum: 10 } },
    });
    expect(doc.components.schemas.QuotaErrorJson.properties).toHaveProperty('resets_at');

    const status = doc.paths['/api/job/{jobId}'].get;
    expect(status.parameters).toEqual([expect.objectContaining({ name: 'jobId', in: 'path', required: true })]);
    expect(Object.keys(status.responses).sort()).toEqual(['200', '401', '404']);
    expect(Object.keys(doc.paths['/api/job/{jobId}/manifest'].get.responses).sort()).toEqual([
      '200',
      '401',
      '404',
      '409',
    ]);
  });

  it('declares the bearer scheme on every /api operation (SPEC §5.2)', () => {
    const operations = Object.values(doc.paths as Record<string, Record<string, { security?: unknown[] }>>).flatMap(
      (ops) => Object.values(ops),
    );
    expect(operations.length).toBeGreaterThanOrEqual(4);
    for (const operation of operations) expect(operation.security).toContainEqual({ bearer: [] });
  });

  it('every $ref resolves', () => {
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(5);
    for (const name of refs) expect(doc.components.schemas).toHaveProperty(name);
  });
});
