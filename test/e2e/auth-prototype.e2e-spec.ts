import * as fs from 'node:fs';
import * as path from 'node:path';
import { createTestApp, loginAs, newAgent, readJson, register, rmDataDir, TestApp } from '../helpers/test-app';
import { describeFilesOnly } from '../helpers/store-mode';

const FIXTURES = path.join(__dirname, '..', 'fixtures');

/** Files written by the Flask prototype, with Werkzeug hashes made by Python's hashlib. */
describeFilesOnly('prototype-files', 'prototype data files (e2e)', () => {
  let t: TestApp;
  const prototypeUsers = fs.readFileSync(path.join(FIXTURES, 'prototype-users.json'), 'utf8');
  const prototypeInvites = fs.readFileSync(path.join(FIXTURES, 'prototype-invites.json'), 'utf8');

  beforeAll(async () => {
    t = await createTestApp({ files: { 'users.json': prototypeUsers, 'invites.json': prototypeInvites } });
  });
  afterAll(async () => {
    await t.close();
    rmDataDir(t.dataDir);
  });

  it('loads the files unchanged at start-up', () => {
    expect(fs.readFileSync(path.join(t.dataDir, 'users.json'), 'utf8')).toBe(prototypeUsers);
    expect(fs.readFileSync(path.join(t.dataDir, 'invites.json'), 'utf8')).toBe(prototypeInvites);
  });

  it('an existing admin means no setup page', async () => {
    const { agent } = await newAgent(t);
    await agent.get('/admin/setup').expect(404);
  });

  it('verifies a Werkzeug pbkdf2:sha256 hash and re-hashes it with bcrypt', async () => {
    const { agent } = await loginAs(t, 'alice', 'prototype-pass-1');
    const page = await agent.get('/').expect(200);
    expect(page.text).toContain('data-testid="nav-admin"');
    const alice = readJson(t.dataDir, 'users.json').users.find((u: any) => u.username === 'alice');
    expect(alice.password_hash).toMatch(/^\$2b\$04\$/);
    await loginAs(t, 'alice', 'prototype-pass-1'); // the new hash works too
  });

  it('verifies a Werkzeug scrypt hash (case-insensitive username) and re-hashes it', async () => {
    await loginAs(t, 'bob', 'prototype-pass-2');
    const bob = readJson(t.dataDir, 'users.json').users.find((u: any) => u.username === 'Bob');
    expect(bob.password_hash).toMatch(/^\$2b\$/);
    expect(bob.role).toBe('user');
  });

  it('refuses a wrong password against a Werkzeug hash, and leaves it in place', async () => {
    const t2 = await createTestApp({ files: { 'users.json': prototypeUsers } });
    try {
      const { agent, csrf } = await newAgent(t2);
      await agent
        .post('/login')
        .type('form')
        .send({ username: 'alice', password: 'prototype-pass-X', _csrf: csrf })
        .expect(401);
      expect(readJson(t2.dataDir, 'users.json').users[0].password_hash).toMatch(/^pbkdf2:sha256:260000\$/);
    } finally {
      await t2.close();
      rmDataDir(t2.dataDir);
    }
  });

  it('a prototype invite (no max_uses) works once; a prototype "used" invite is refused', async () => {
    expect((await register(t, 'carol', 'a perfectly fine passphrase', 'proto-code-1')).res.status).toBe(303);
    expect((await register(t, 'dave', 'a perfectly fine passphrase', 'proto-code-1')).res.status).toBe(400);
    expect((await register(t, 'erin', 'a perfectly fine passphrase', 'proto-code-2')).res.status).toBe(400);
    const invite = readJson(t.dataDir, 'invites.json').codes[0];
    expect(invite).toMatchObject({ code: 'proto-code-1', note: 'from flask', used: true, uses: 1, used_by: ['carol'] });
  });
});
