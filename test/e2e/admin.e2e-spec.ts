import * as fs from 'node:fs';
import request from 'supertest';
import { sessionFiles } from '../helpers/sessions';
import { UsersService } from '../../src/users/users.service';
import { InvitesService } from '../../src/invites/invites.service';
import { Agent, createTestApp, csrfFrom, loginAs, newAgent, rmDataDir, setupAdmin, TestApp } from '../helpers/test-app';
import { rawStore, storedInvites, storedText } from '../helpers/raw-store';

const ROOT_PASSWORD = 'correct horse battery';
const USER_PASSWORD = 'purple monkey dishwasher';
const DAY = 86_400_000;

/** Registers through the real form with a code; returns the agent and the response. */
async function registerWith(t: TestApp, username: string, inviteCode: string, password = USER_PASSWORD) {
  const agent = request.agent(t.http);
  const page = await agent.get(`/register?code=${encodeURIComponent(inviteCode)}`).expect(200);
  const res = await agent
    .post('/register')
    .type('form')
    .send({ username, password, inviteCode, _csrf: csrfFrom(page.text) });
  return { agent, res };
}

/** A plain user made through an invite minted by the service (not the panel under test). */
async function makeUser(
  t: TestApp,
  username: string,
  password = USER_PASSWORD,
): Promise<{ agent: Agent; csrf: string }> {
  const invite = await t.app.get(InvitesService).mint({ createdBy: 'root' });
  const { res } = await registerWith(t, username, invite.code, password);
  expect(res.status).toBe(303);
  return loginAs(t, username, password);
}

/** Undoes Handlebars' HTML escaping of a text node (it escapes = as &#x3D;). */
function unescapeHtml(text: string): string {
  return text
    .replace(/&#x3D;/g, '=')
    .replace(/&#x27;/g, "'")
    .replace(/&#x60;/g, '`')
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** A data file's bytes, or (postgres) its tables' rows as text: see raw-store.ts. */
const fileText = storedText;

/** users.json, invites.json and password-resets.json as stored, to prove a refused request changed nothing. */
async function snapshot(t: TestApp): Promise<Record<string, string | null>> {
  const names = ['users.json', 'invites.json', 'password-resets.json'];
  return Object.fromEntries(await Promise.all(names.map(async (name) => [name, await fileText(t, name)])));
}

/** invites.json as written: these tests also pin the prototype-compatible keys (`used`, snake_case). */
const inviteRecords = storedInvites;

async function mint(admin: { agent: Agent; csrf: string }, fields: Record<string, string> = {}) {
  return admin.agent
    .post('/admin/invites')
    .type('form')
    .send({ _csrf: admin.csrf, ...fields });
}

/** Mints through the panel and returns the code shown once on the next GET /admin. */
async function mintCode(admin: { agent: Agent; csrf: string }, fields: Record<string, string> = {}): Promise<string> {
  const res = await mint(admin, fields);
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe('/admin');
  const page = await admin.agent.get('/admin').expect(200);
  const match = /data-testid="minted-code">([^<]+)</.exec(page.text);
  expect(match).not.toBeNull();
  return unescapeHtml(match![1]);
}

describe('admin panel (e2e)', () => {
  describe('access to every admin route', () => {
    let t: TestApp;
    let admin: { agent: Agent; csrf: string };
    let user: { agent: Agent; csrf: string };
    let code: string;

    beforeAll(async () => {
      t = await createTestApp();
      admin = await setupAdmin(t, 'root', ROOT_PASSWORD);
      user = await makeUser(t, 'bob');
      code = (await t.app.get(InvitesService).mint({ createdBy: 'root', note: 'spare' })).code;
    });
    afterAll(async () => {
      await t.close();
      rmDataDir(t.dataDir);
    });

    const gets = ['/admin', '/admin/users.json'];
    const posts = (c: string): Array<[string, Record<string, string>]> => [
      ['/admin/invites', { note: 'x' }],
      [`/admin/invites/${c}/revoke`, {}],
      ['/admin/users/bob/disable', {}],
      ['/admin/users/bob/enable', {}],
      ['/admin/users/bob/role', { role: 'admin' }],
      ['/admin/users/bob/delete', { confirm: 'yes' }],
      ['/admin/users/bob/sessions/revoke', {}],
      ['/admin/users/bob/reset', {}],
    ];

    it('redirects anonymous GETs to /login?next=<path>', async () => {
      for (const route of gets) {
        const res = await request(t.http).get(route).expect(303);
        expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(route)}`);
      }
    });

    it('redirects anonymous POSTs (with a valid CSRF token) to /login and changes nothing', async () => {
      const anon = await newAgent(t);
      const before = await snapshot(t);
      for (const [route, fields] of [...posts(code), ['/admin/bootstrap', {}] as [string, Record<string, string>]]) {
        const res = await anon.agent
          .post(route)
          .type('form')
          .send({ _csrf: anon.csrf, ...fields });
        expect([route, res.status]).toEqual([route, 303]);
        expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(route)}`);
      }
      expect(await snapshot(t)).toEqual(before);
    });

    it('answers a plain user 403 on every admin route and changes nothing', async () => {
      const before = await snapshot(t);
      for (const route of gets) {
        const res = await user.agent.get(route);
        expect([route, res.status]).toEqual([route, 403]);
        expect(res.text).not.toContain(code);
        expect(res.text).not.toContain('data-testid="users-table"');
      }
      for (const [route, fields] of [...posts(code), ['/admin/bootstrap', {}] as [string, Record<string, string>]]) {
        const res = await user.agent
          .post(route)
          .type('form')
          .send({ _csrf: user.csrf, ...fields });
        expect([route, res.status]).toEqual([route, 403]);
      }
      expect(await snapshot(t)).toEqual(before);
      expect((await t.state.user('bob'))!.role).toBe('user');
    });

    it('refuses every admin POST with a bad or missing CSRF token (403) and changes nothing', async () => {
      const before = await snapshot(t);
      const auditBefore = (await t.state.audit()).length;
      for (const [route, fields] of posts(code)) {
        const bad = await admin.agent
          .post(route)
          .type('form')
          .send({ _csrf: 'forged-token', ...fields });
        expect([route, bad.status]).toEqual([route, 403]);
        const missing = await admin.agent.post(route).type('form').send(fields);
        expect([route, missing.status]).toEqual([route, 403]);
      }
      expect(await snapshot(t)).toEqual(before);
      expect(await t.state.audit()).toHaveLength(auditBefore);
      expect((await inviteRecords(t)).find((c) => c.code === code)!.revoked_at).toBeNull();
    });

    it('refuses a cross-site admin POST even with the right token', async () => {
      const before = await snapshot(t);
      const res = await admin.agent
        .post('/admin/invites')
        .set('Origin', 'https://evil.example')
        .type('form')
        .send({ _csrf: admin.csrf, note: 'evil' });
      expect(res.status).toBe(403);
      expect(await snapshot(t)).toEqual(before);
    });

    it('shows the admin the panel with every section and the links to jobs and usage', async () => {
      const res = await admin.agent.get('/admin').expect(200);
      expect(res.headers['cache-control']).toBe('no-store');
      for (const id of ['invites', 'users', 'bootstrap', 'audit']) expect(res.text).toContain(`id="${id}"`);
      expect(res.text).toContain('href="/admin/jobs"');
      expect(res.text).toContain('href="/admin/usage"');
      expect(res.text).toContain('data-testid="mint-form"');
      expect(res.text).toContain('data-username="bob"');
      expect(res.text).toContain(code);
      expect(res.text).toContain(`/register?code&#x3D;${code}`);
      // every form on the page carries the CSRF token
      const forms = res.text.match(/<form method="post"/g)!.length;
      expect(res.text.match(new RegExp(`name="_csrf" value="${admin.csrf}"`, 'g'))!.length).toBe(forms);
    });

    it('shows the users table columns, including the daily draft limit', async () => {
      await t.app.get(UsersService).setDailyDrafts('bob', 0);
      const res = await admin.agent.get('/admin').expect(200);
      const bobRow = res.text.split('data-username="bob"')[1].split('</tr>')[0];
      expect(bobRow).toContain('unlimited');
      expect(bobRow).toContain('root'); // invited by
      expect(bobRow).toContain('badge-ok'); // active
      expect(bobRow).toContain('action="/admin/users/bob/disable"');
      expect(bobRow).toContain('action="/admin/users/bob/sessions/revoke"');
      expect(bobRow).toContain('action="/admin/users/bob/reset"');
      const rootRow = res.text.split('data-username="root"')[1].split('</tr>')[0];
      expect(rootRow).toContain('50'); // GENERATION_DAILY_DRAFTS default
      expect(rootRow).toContain('(default)');
      for (const action of ['disable', 'role', 'delete']) expect(rootRow).not.toContain(`/admin/users/root/${action}`);
      expect(bobRow).toContain('action="/admin/users/bob/quota"');
      expect(bobRow).toContain('name="dailyDrafts" inputmode="numeric" maxlength="7" value="0"');
      expect(rootRow).toContain('name="dailyDrafts" inputmode="numeric" maxlength="7" value=""');
    });
  });

  describe('the per-user daily limit form (posts to the usage module)', () => {
    it('sets and clears a limit from the users table and comes back to it', async () => {
      const t = await createTestApp();
      try {
        const admin = await setupAdmin(t, 'root', ROOT_PASSWORD);
        await makeUser(t, 'bob');
        const set = await admin.agent
          .post('/admin/users/bob/quota')
          .type('form')
          .send({ _csrf: admin.csrf, dailyDrafts: '12', returnTo: '/admin#users' });
        expect(set.status).toBe(303);
        expect(set.headers.location).toBe('/admin#users');
        expect((await t.state.user('bob'))!.dailyDrafts).toBe(12);
        let row = (await admin.agent.get('/admin').expect(200)).text.split('data-username="bob"')[1].split('</tr>')[0];
        expect(row).toMatch(/<td>12<\/td>/);
        expect(row).toContain('value="12"');
        await admin.agent
          .post('/admin/users/bob/quota')
          .type('form')
          .send({ _csrf: admin.csrf, dailyDrafts: '', returnTo: '/admin#users' })
          .expect(303);
        expect((await t.state.user('bob'))!.dailyDrafts).toBeNull();
        row = (await admin.agent.get('/admin').expect(200)).text.split('data-username="bob"')[1].split('</tr>')[0];
        expect(row).toContain('50 <span class="muted small">(default)</span>');
      } finally {
        await t.close();
        rmDataDir(t.dataDir);
      }
    });
  });

  describe('minting invites', () => {
    let t: TestApp;
    let admin: { agent: Agent; csrf: string };

    beforeAll(async () => {
      // Session cookies expire in real time while the test clock jumps ahead: give them a year.
      t = await createTestApp({ env: { SESSION_ABSOLUTE_HOURS: String(24 * 365) } });
      admin = await setupAdmin(t, 'root', ROOT_PASSWORD);
    });
    afterAll(async () => {
      await t.close();
      rmDataDir(t.dataDir);
    });

    it('mints with the defaults (user, 1 use, 7 days) and shows code and full link once', async () => {
      const res = await mint(admin, { note: 'for carol' });
      expect(res.status).toBe(303);
      const page = await admin.agent.get('/admin').expect(200);
      const code = unescapeHtml(/data-testid="minted-code">([^<]+)</.exec(page.text)![1]);
      expect(code.length).toBeGreaterThanOrEqual(19); // >= 112 bits of base64url
      const link = unescapeHtml(/data-testid="minted-link">([^<]+)</.exec(page.text)![1]);
      expect(link).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/register\\?code=${code}$`));

      const record = (await inviteRecords(t)).find((c) => c.code === code)!;
      expect(record).toMatchObject({ note: 'for carol', role: 'user', max_uses: 1, uses: 0, created_by: 'root' });
      const expires = new Date(record.expires_at as string).getTime();
      expect(expires - new Date(record.created_at as string).getTime()).toBe(7 * DAY);

      const again = await admin.agent.get('/admin').expect(200);
      expect(again.text).not.toContain('data-testid="minted-code"');
      expect(again.text).toContain(code); // still listed in the table

      const event = (await t.state.audit()).find((e) => e.event === 'invite.mint')!;
      expect(event).toMatchObject({ actor: 'root', role: 'user', max_uses: 1 });
      expect(await fileText(t, 'audit.jsonl')).not.toContain(code);
    });

    it('role admin: the invite registers an admin', async () => {
      const code = await mintCode(admin, { role: 'admin' });
      const { res } = await registerWith(t, 'dora', code);
      expect(res.status).toBe(303);
      expect(await t.state.user('dora')).toMatchObject({ role: 'admin', invitedBy: 'root' });
    });

    it('maxUses 2 allows two registrations, then refuses with the generic message', async () => {
      const code = await mintCode(admin, { maxUses: '2' });
      expect((await registerWith(t, 'erin', code)).res.status).toBe(303);
      expect((await registerWith(t, 'finn', code)).res.status).toBe(303);
      const third = await registerWith(t, 'gail', code);
      expect(third.res.status).toBe(400);
      expect(third.res.text).toContain('This invite code is not valid.');
      expect(await t.state.user('gail')).toBeUndefined();
      expect((await inviteRecords(t)).find((c) => c.code === code)).toMatchObject({
        uses: 2,
        used: true,
        used_by: ['erin', 'finn'],
      });
      const page = await admin.agent.get('/admin').expect(200);
      const row = page.text.split(code)[1].split('</tr>')[0];
      expect(row).toContain('2/2');
      expect(row).toContain('status-used');
    });

    it('expiresInDays 1 stops working after a day; 0 never expires', async () => {
      const short = await mintCode(admin, { expiresInDays: '1' });
      const forever = await mintCode(admin, { expiresInDays: '0' });
      expect((await inviteRecords(t)).find((c) => c.code === forever)!.expires_at).toBeNull();
      t.clock.advance(DAY + 60_000);
      const late = await registerWith(t, 'hank', short);
      expect(late.res.status).toBe(400);
      expect(late.res.text).toContain('This invite code is not valid.');
      admin = await loginAs(t, 'root', ROOT_PASSWORD); // a day later the old session has timed out
      const page = await admin.agent.get('/admin').expect(200);
      expect(page.text.split(short)[1].split('</tr>')[0]).toContain('status-expired');
      t.clock.advance(200 * DAY);
      expect((await registerWith(t, 'ivan', forever)).res.status).toBe(303);
      admin = await loginAs(t, 'root', ROOT_PASSWORD);
    });

    it('accepts a custom code, and refuses the same code again (400, nothing changes)', async () => {
      const code = await mintCode(admin, { code: 'Team-Offsite_2026', note: 'offsite' });
      expect(code).toBe('Team-Offsite_2026');
      expect((await registerWith(t, 'judy', 'Team-Offsite_2026')).res.status).toBe(303);
      const before = await fileText(t, 'invites.json');
      const dup = await mint(admin, { code: 'Team-Offsite_2026', note: 'again' });
      expect(dup.status).toBe(400);
      expect(dup.text).toContain('That code already exists.');
      expect(dup.text).toContain('data-testid="users-table"'); // the whole panel, re-rendered
      expect(await fileText(t, 'invites.json')).toBe(before);
    });

    it.each([
      ['role', { role: 'boss' }, 'Choose a role: user or admin.'],
      ['maxUses 0', { maxUses: '0' }, 'Uses must be a whole number from 1 to 1000.'],
      ['maxUses 1001', { maxUses: '1001' }, 'Uses must be a whole number from 1 to 1000.'],
      ['maxUses 1.5', { maxUses: '1.5' }, 'Uses must be a whole number from 1 to 1000.'],
      ['maxUses abc', { maxUses: 'abc' }, 'Uses must be a whole number from 1 to 1000.'],
      ['expiresInDays -1', { expiresInDays: '-1' }, 'from 0 (never) to 365'],
      ['expiresInDays 366', { expiresInDays: '366' }, 'from 0 (never) to 365'],
      ['short code', { code: 'abc' }, 'A custom code must be 6–64 letters, digits, dashes or underscores.'],
      ['code with spaces', { code: 'has spaces!' }, 'A custom code must be 6–64'],
      ['65-char code', { code: 'a'.repeat(65) }, 'A custom code must be 6–64'],
    ])(
      'refuses invalid input (%s): 400, panel with the error and what was typed, nothing changes',
      async (_name, fields, message) => {
        const before = await snapshot(t);
        const auditBefore = (await t.state.audit()).length;
        const res = await mint(admin, { note: 'typed note', ...fields });
        expect(res.status).toBe(400);
        expect(res.text).toContain(message);
        expect(res.text).toContain('data-testid="form-error"');
        expect(res.text).toContain('data-testid="invites-table"');
        expect(res.text).toContain('value="typed note"');
        expect(await snapshot(t)).toEqual(before);
        expect(await t.state.audit()).toHaveLength(auditBefore);
      },
    );

    it('escapes an invite note with <script> everywhere it appears', async () => {
      const note = '<script>alert(1)</script>';
      const code = await mintCode(admin, { note });
      const page = await admin.agent.get('/admin').expect(200);
      expect(page.text).not.toContain(note);
      expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(page.text).toContain(code);
      const refused = await mint(admin, { note, maxUses: '0' });
      expect(refused.status).toBe(400);
      expect(refused.text).not.toContain(note);
    });

    it('revokes: the invite stays listed as revoked and registration is refused', async () => {
      const code = await mintCode(admin, { note: 'to revoke' });
      const res = await admin.agent.post(`/admin/invites/${code}/revoke`).type('form').send({ _csrf: admin.csrf });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe('/admin');
      const record = (await inviteRecords(t)).find((c) => c.code === code)!;
      expect(record.revoked_at).toEqual(expect.any(String));
      expect(record.revoked_by).toBe('root');
      const page = await admin.agent.get('/admin').expect(200);
      expect(page.text).toContain('was revoked');
      const row = page.text.split(code)[1].split('</tr>')[0];
      expect(row).toContain('status-revoked');
      expect(row).not.toContain('/revoke"');
      const late = await registerWith(t, 'kent', code);
      expect(late.res.status).toBe(400);
      expect(late.res.text).toContain('This invite code is not valid.');
      expect(await t.state.user('kent')).toBeUndefined();
      expect((await t.state.audit()).some((e) => e.event === 'invite.revoke' && e.actor === 'root')).toBe(true);
      expect(await fileText(t, 'audit.jsonl')).not.toContain(code);
    });

    it('revoking an unknown code is a 404 on the panel', async () => {
      const res = await admin.agent.post('/admin/invites/no-such-code/revoke').type('form').send({ _csrf: admin.csrf });
      expect(res.status).toBe(404);
      expect(res.text).toContain('No such invite.');
    });
  });

  describe('managing users', () => {
    let t: TestApp;
    let admin: { agent: Agent; csrf: string };

    beforeAll(async () => {
      t = await createTestApp();
      admin = await setupAdmin(t, 'root', ROOT_PASSWORD);
    });
    afterAll(async () => {
      await t.close();
      rmDataDir(t.dataDir);
    });

    const post = (route: string, fields: Record<string, string> = {}) =>
      admin.agent
        .post(route)
        .type('form')
        .send({ _csrf: admin.csrf, ...fields });

    it('cuts a disabled user off on their next request; enabling does not revive the old session', async () => {
      const bob = await makeUser(t, 'bob');
      const idle = await loginAs(t, 'bob', USER_PASSWORD); // makes no request while bob is disabled
      await bob.agent.get('/account/password').expect(200);
      const res = await post('/admin/users/bob/disable');
      expect(res.status).toBe(303);
      expect((await t.state.user('bob'))!.disabled).toBe(true);
      const cut = await bob.agent.get('/account/password');
      expect(cut.status).toBe(303);
      expect(cut.headers.location).toBe('/login?next=%2Faccount%2Fpassword');
      // a disabled user cannot log in either
      const { agent, csrf } = await newAgent(t);
      await agent
        .post('/login')
        .type('form')
        .send({ username: 'bob', password: USER_PASSWORD, _csrf: csrf })
        .expect(401);

      const page = await admin.agent.get('/admin').expect(200);
      expect(page.text).toContain('bob was disabled');
      expect(page.text.split('data-username="bob"')[1].split('</tr>')[0]).toContain('action="/admin/users/bob/enable"');

      await post('/admin/users/bob/enable').expect(303);
      expect((await t.state.user('bob'))!.disabled).toBe(false);
      expect((await bob.agent.get('/account/password')).status).toBe(303);
      expect((await idle.agent.get('/account/password')).status).toBe(303); // not revived by enabling
      await loginAs(t, 'bob', USER_PASSWORD);
      const events = (await t.state.audit()).map((e) => [e.event, e.actor, e.target].join(':'));
      expect(events).toEqual(expect.arrayContaining(['user.disable:root:bob', 'user.enable:root:bob']));
    });

    it('signs a user out everywhere', async () => {
      const one = await loginAs(t, 'bob', USER_PASSWORD);
      const two = await loginAs(t, 'bob', USER_PASSWORD);
      const version = (await t.state.user('bob'))!.sessionVersion;
      await post('/admin/users/bob/sessions/revoke').expect(303);
      expect((await t.state.user('bob'))!.sessionVersion).toBe(version + 1);
      expect((await one.agent.get('/account/password')).status).toBe(303);
      expect((await two.agent.get('/account/password')).status).toBe(303);
      await admin.agent.get('/account/password').expect(200); // the admin's own session is untouched
      await loginAs(t, 'bob', USER_PASSWORD);
      expect((await t.state.audit()).some((e) => e.event === 'user.sessions_revoked' && e.target === 'bob')).toBe(true);
    });

    it('makes a user admin and back; the change applies to their live session', async () => {
      const bob = await loginAs(t, 'bob', USER_PASSWORD);
      await bob.agent.get('/admin').expect(403);
      await post('/admin/users/bob/role', { role: 'admin' }).expect(303);
      expect((await t.state.user('bob'))!.role).toBe('admin');
      await bob.agent.get('/admin').expect(200);
      await post('/admin/users/bob/role', { role: 'user' }).expect(303);
      expect((await t.state.user('bob'))!.role).toBe('user');
      await bob.agent.get('/admin').expect(403);
      const events = (await t.state.audit()).filter((e) => e.event === 'user.role');
      expect(events.map((e) => [e.actor, e.target, e.from, e.to])).toEqual([
        ['root', 'bob', 'user', 'admin'],
        ['root', 'bob', 'admin', 'user'],
      ]);
    });

    it('refuses an unknown role (400, nothing changes)', async () => {
      const before = await snapshot(t);
      const res = await post('/admin/users/bob/role', { role: 'superuser' });
      expect(res.status).toBe(400);
      expect(res.text).toContain('Choose a role: user or admin.');
      expect(res.text).toContain('data-testid="users-table"');
      expect(await snapshot(t)).toEqual(before);
    });

    it('answers 404 for an unknown user', async () => {
      for (const action of ['disable', 'enable', 'sessions/revoke', 'reset']) {
        const res = await post(`/admin/users/nobody/${action}`);
        expect([action, res.status]).toEqual([action, 404]);
        expect(res.text).toContain('No such user.');
      }
      expect((await post('/admin/users/nobody/role', { role: 'admin' })).status).toBe(404);
      expect((await post('/admin/users/nobody/delete', { confirm: 'yes' })).status).toBe(404);
    });

    it('finds users case-insensitively and handles dots in usernames', async () => {
      await makeUser(t, 'Carl.Dot');
      await post('/admin/users/carl.dot/disable').expect(303);
      expect((await t.state.user('Carl.Dot'))!.disabled).toBe(true);
      await post('/admin/users/Carl.Dot/enable').expect(303);
      expect((await t.state.user('Carl.Dot'))!.disabled).toBe(false);
    });

    it('deletes only with the confirm box ticked; the deleted user is cut off', async () => {
      const carl = await loginAs(t, 'Carl.Dot', USER_PASSWORD);
      const before = await snapshot(t);
      const unconfirmed = await post('/admin/users/Carl.Dot/delete');
      expect(unconfirmed.status).toBe(400);
      expect(unconfirmed.text).toContain('Tick &quot;confirm&quot; to delete Carl.Dot.');
      expect(await snapshot(t)).toEqual(before);

      await post('/admin/users/Carl.Dot/delete', { confirm: 'yes' }).expect(303);
      expect(await t.state.user('Carl.Dot')).toBeUndefined();
      expect((await carl.agent.get('/account/password')).status).toBe(303);
      const page = await admin.agent.get('/admin').expect(200);
      expect(page.text).toContain('Carl.Dot was deleted.');
      expect(page.text).not.toContain('data-username="Carl.Dot"');
      expect(
        (await t.state.audit()).some((e) => e.event === 'user.delete' && e.target === 'Carl.Dot' && e.actor === 'root'),
      ).toBe(true);
    });

    it('an admin cannot disable, demote or delete themself (clear message, nothing changes)', async () => {
      const before = await snapshot(t);
      const cases: Array<[string, Record<string, string>, string]> = [
        ['/admin/users/root/disable', {}, 'You cannot disable your own account.'],
        ['/admin/users/root/role', { role: 'user' }, 'You cannot demote your own account.'],
        ['/admin/users/ROOT/delete', { confirm: 'yes' }, 'You cannot delete your own account.'],
      ];
      for (const [route, fields, message] of cases) {
        const res = await post(route, fields);
        expect([route, res.status]).toEqual([route, 400]);
        expect(res.text).toContain(message);
      }
      expect(await snapshot(t)).toEqual(before);
      await admin.agent.get('/admin').expect(200);
    });

    it('lets a peer admin demote another admin; the remaining admin still cannot remove themself', async () => {
      await post('/admin/users/bob/role', { role: 'admin' }).expect(303);
      const bob = await loginAs(t, 'bob', USER_PASSWORD);
      // bob demotes root: allowed, bob remains an enabled admin
      await bob.agent.post('/admin/users/root/role').type('form').send({ _csrf: bob.csrf, role: 'user' }).expect(303);
      expect((await t.state.user('root'))!.role).toBe('user');
      await admin.agent.get('/admin').expect(403); // root lost access at once
      // bob is now the only admin and cannot disable himself
      const before = await snapshot(t);
      const self = await bob.agent.post('/admin/users/bob/disable').type('form').send({ _csrf: bob.csrf });
      expect(self.status).toBe(400);
      expect(self.text).toContain('You cannot disable your own account.');
      expect(await snapshot(t)).toEqual(before);
      // restore root
      await bob.agent.post('/admin/users/root/role').type('form').send({ _csrf: bob.csrf, role: 'admin' }).expect(303);
      await admin.agent.get('/admin').expect(200);
    });

    it("makes a one-time reset link, shown once (on the POST's own answer) as a full URL, that works once", async () => {
      const bob = await loginAs(t, 'bob', USER_PASSWORD);
      const res = await post('/admin/users/bob/reset');
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const link = unescapeHtml(/data-testid="reset-link-url">([^<]+)</.exec(res.text)![1]);
      expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/reset-password\?token=[A-Za-z0-9_-]{40,}$/);
      const again = await admin.agent.get('/admin').expect(200);
      expect(again.text).not.toContain('data-testid="reset-link-url"');

      const token = new URL(link).searchParams.get('token')!;
      expect(await fileText(t, 'audit.jsonl')).not.toContain(token);
      expect(await fileText(t, 'password-resets.json')).not.toContain(token);
      const sessionsText =
        t.store === 'files'
          ? sessionFiles(t.dataDir)
              .map((file) => fs.readFileSync(file, 'utf8'))
              .join('\n')
          : await rawStore(t);
      expect(sessionsText).not.toContain(token); // never in the session
      expect(
        (await t.state.audit()).some(
          (e) => e.event === 'user.password_reset_link' && e.actor === 'root' && e.target === 'bob',
        ),
      ).toBe(true);

      const anon = request.agent(t.http);
      const form = await anon.get(new URL(link).pathname + new URL(link).search).expect(200);
      const newPassword = 'a brand new passphrase';
      await anon
        .post('/reset-password')
        .type('form')
        .send({ token, password: newPassword, _csrf: csrfFrom(form.text) })
        .expect(303);
      expect((await bob.agent.get('/account/password')).status).toBe(303); // old session ended
      await loginAs(t, 'bob', newPassword);
      const reuse = await anon.get(`/reset-password?token=${token}`);
      expect(reuse.status).toBe(400);
    });

    it('exports users as an attachment without hashes or invite codes', async () => {
      const res = await admin.agent.get('/admin/users.json').expect(200);
      expect(res.headers['content-disposition']).toMatch(
        /^attachment; filename="gatehouse-users-\d{4}-\d{2}-\d{2}\.json"$/,
      );
      expect(res.headers['content-type']).toMatch(/application\/json/);
      const body = JSON.parse(res.text);
      expect(body.users.map((u: { username: string }) => u.username).sort()).toEqual(['bob', 'root']);
      expect(body.users.find((u: { username: string }) => u.username === 'bob')).toMatchObject({
        role: 'admin',
        disabled: false,
        invited_by: 'root',
      });
      expect(res.text).not.toMatch(/password|hash|\$2[aby]\$|invite_code|session_version/);
      for (const user of await t.state.users())
        expect(res.text).not.toContain((await t.state.passwordHash(user.username))!);
      expect(
        (await t.state.audit()).some((e) => e.event === 'users.export' && e.actor === 'root' && e.count === 2),
      ).toBe(true);
    });

    it('shows the newest audit events (newest first, at most 50) with the acting admin', async () => {
      for (let i = 0; i < 30; i++) await post('/admin/users/bob/sessions/revoke').expect(303);
      const page = await admin.agent.get('/admin').expect(200);
      const table = page.text.split('data-testid="audit-table"')[1].split('</table>')[0];
      expect(table.match(/<tr>/g)!.length).toBe(1 + 50); // header + 50 events
      expect(table.indexOf('user.sessions_revoked')).toBeLessThan(table.lastIndexOf('<tr>'));
      expect((await t.state.audit()).length).toBeGreaterThan(50);
    });

    it('never writes a password hash, token or full invite code to the audit file', async () => {
      const audit = (await fileText(t, 'audit.jsonl'))!;
      expect(audit).not.toMatch(/\$2[aby]\$/);
      for (const invite of await inviteRecords(t)) expect(audit).not.toContain(invite.code as string);
      for (const line of await t.state.audit())
        expect(Object.keys(line).join(' ')).not.toMatch(/pass|hash|token|secret/i);
    });
  });

  describe('bootstrap (SPEC §6.2)', () => {
    const BOOTSTRAP = 'bootstrap pass phrase 42';

    it('lets any logged-in user create "admin" while no admin exists, and only then', async () => {
      const t = await createTestApp({ env: { ADMIN_BOOTSTRAP_PASSWORD: BOOTSTRAP } });
      try {
        const zed = await makeUser(t, 'zed');
        const secret = (await t.app.get(InvitesService).mint({ createdBy: 'root', note: 'private' })).code;

        const page = await zed.agent.get('/admin').expect(200);
        expect(page.text).toContain('data-testid="bootstrap-only"');
        expect(page.text).toContain('action="/admin/bootstrap"');
        expect(page.text).not.toContain('data-testid="users-table"');
        expect(page.text).not.toContain(secret);
        expect(page.text).not.toContain(BOOTSTRAP);
        // the rest of the panel stays closed
        await zed.agent.get('/admin/users.json').expect(403);
        const mintTry = await zed.agent.post('/admin/invites').type('form').send({ _csrf: zed.csrf });
        expect(mintTry.status).toBe(403);

        const res = await zed.agent.post('/admin/bootstrap').type('form').send({ _csrf: zed.csrf });
        expect(res.status).toBe(303);
        expect(res.headers.location).toBe('/admin');
        expect(await t.state.user('admin')).toMatchObject({ role: 'admin', disabled: false });
        expect((await t.state.user('zed'))!.role).toBe('user');
        const done = await zed.agent.get('/admin').expect(200);
        expect(done.text).toContain('data-testid="bootstrap-done"');
        await zed.agent.get('/admin').expect(403); // shown once; then the usual 403

        const adminAgent = await loginAs(t, 'admin', BOOTSTRAP);
        await adminAgent.agent.get('/admin').expect(200);

        const before = await snapshot(t);
        expect((await zed.agent.post('/admin/bootstrap').type('form').send({ _csrf: zed.csrf })).status).toBe(403);
        const asAdmin = await adminAgent.agent.post('/admin/bootstrap').type('form').send({ _csrf: adminAgent.csrf });
        expect(asAdmin.status).toBe(409);
        expect(asAdmin.text).toContain('An admin already exists.');
        expect(await snapshot(t)).toEqual(before);

        const events = (await t.state.audit()).filter((e) => e.event === 'admin.bootstrap');
        expect(events).toHaveLength(1);
        expect(events[0]).toMatchObject({ actor: 'zed', created: 'admin' });
        expect(await fileText(t, 'audit.jsonl')).not.toContain(BOOTSTRAP);
      } finally {
        await t.close();
        rmDataDir(t.dataDir);
      }
    });

    it('is closed when ADMIN_BOOTSTRAP_PASSWORD is not set', async () => {
      const t = await createTestApp();
      try {
        const zed = await makeUser(t, 'zed');
        await zed.agent.get('/admin').expect(403);
        const before = await snapshot(t);
        expect((await zed.agent.post('/admin/bootstrap').type('form').send({ _csrf: zed.csrf })).status).toBe(403);
        expect(await snapshot(t)).toEqual(before);
        expect(await t.state.user('admin')).toBeUndefined();
      } finally {
        await t.close();
        rmDataDir(t.dataDir);
      }
    });

    it('is closed once an admin exists, even with the password set', async () => {
      const t = await createTestApp({ env: { ADMIN_BOOTSTRAP_PASSWORD: BOOTSTRAP } });
      try {
        const admin = await setupAdmin(t, 'root', ROOT_PASSWORD);
        const zed = await makeUser(t, 'zed');
        await zed.agent.get('/admin').expect(403);
        expect((await zed.agent.post('/admin/bootstrap').type('form').send({ _csrf: zed.csrf })).status).toBe(403);
        expect(await t.state.user('admin')).toBeUndefined();
        const panel = await admin.agent.get('/admin').expect(200);
        expect(panel.text).toContain('an admin exists, so the bootstrap button is closed');
      } finally {
        await t.close();
        rmDataDir(t.dataDir);
      }
    });
  });
});
