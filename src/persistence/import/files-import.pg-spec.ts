import * as fs from 'node:fs';
import * as path from 'node:path';
import { FilesSite, SITE_PASSWORDS, CAROL_ID, writeFilesSite } from '../../../test/helpers/files-site';
import { usePgDatabase } from '../../../test/helpers/pg-repository';
import { strictMock } from '../../../test/helpers/strict-mock';
import { ApiTokensService } from '../../api-tokens/api-tokens.service';
import { BearerAuthenticator } from '../../api-tokens/bearer-authenticator';
import { API_TOKENS_FILE, JsonApiTokensRepository } from '../../api-tokens/persistence/json/json-api-tokens.repository';
import { PgApiTokensRepository } from '../../api-tokens/persistence/postgres/pg-api-tokens.repository';
import { PgAuditLog } from '../../audit/persistence/postgres/pg-audit-log';
import { AuditService } from '../../audit/audit.service';
import { PgThrottleRepository } from '../../auth/throttling/persistence/postgres/pg-throttle.repository';
import { RateLimiter } from '../../auth/throttling/rate-limiter.service';
import { ManualClock } from '../../common/clock/clock';
import { AppConfig } from '../../config/app-config';
import { PgInvitesRepository } from '../../invites/persistence/postgres/pg-invites.repository';
import { JsonStore } from '../json/json-store.service';
import { PasswordHasher } from '../../users/passwords/password-hasher';
import { PgUsersRepository } from '../../users/persistence/postgres/pg-users.repository';
import type { User } from '../../users/user.model';
import { ApiTokensImportStep } from './api-tokens-import.step';
import { DatabaseNotEmptyError, FilesImport, ImportSourceError } from './files-import.service';

const pg = usePgDatabase(['users', 'invites', 'audit_log', 'api_tokens', 'throttle_counters']);

/** Users, invites and the audit log (the tables every build has); the repository steps are tested with the app. */
describe('FilesImport (users, invites, audit log)', () => {
  let site: FilesSite;
  const importer = () => new FilesImport(pg.db, []);
  const rowCounts = async () => {
    const { rows } = await pg.db.query<{ users: number; invites: number; audit: number }>(
      `SELECT (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM invites) AS invites,
              (SELECT count(*)::int FROM audit_log) AS audit`,
    );
    return rows[0];
  };

  beforeEach(async () => {
    await pg.truncate();
    site = writeFilesSite();
  });
  afterEach(() => site.remove());

  it('copies users with their hashes, ids and times, invites with their uses, and the audit log', async () => {
    const report = await importer().run(site.dir);
    expect(report.counts).toEqual([
      { kind: 'users', count: 3 },
      { kind: 'invites', count: 3, detail: '2 use(s)' },
      { kind: 'audit entries', count: 3, detail: '1 unreadable line(s) skipped' },
    ]);

    const users = new PgUsersRepository(pg.db);
    expect((await users.list()).map((u) => [u.id, u.username, u.role])).toEqual([
      ['legacy:alice', 'alice', 'admin'],
      ['legacy:bob', 'Bob', 'user'],
      [CAROL_ID, 'carol', 'user'],
    ]);
    expect(await users.findById(CAROL_ID)).toEqual({
      id: CAROL_ID,
      username: 'carol',
      role: 'user',
      createdAt: '2026-03-01T10:00:00.000Z',
      disabled: false,
      invitedBy: 'alice',
      lastLoginAt: '2026-03-02T11:12:13.456Z',
      sessionVersion: 2,
      dailyDrafts: 7,
    });
    const extra = await pg.db.query<{ extra: unknown }>('SELECT extra FROM users WHERE id = $1', [CAROL_ID]);
    expect(extra.rows[0].extra).toEqual({ theme: 'dark' });

    // The old passwords work against the copied hashes (prototype Werkzeug ones included).
    const hasher = new PasswordHasher({ bcryptCost: 4 } as AppConfig);
    for (const [username, password] of Object.entries(SITE_PASSWORDS)) {
      const found = await users.findCredentials(username.toLowerCase());
      expect(found).toBeDefined();
      await expect(hasher.verify(password, found!.passwordHash)).resolves.toBe(true);
      await expect(hasher.verify(`${password}x`, found!.passwordHash)).resolves.toBe(false);
    }

    const now = new Date('2026-03-03T00:00:00Z');
    const invites = new PgInvitesRepository(pg.db);
    expect((await invites.list(now)).map((i) => [i.code, i.uses, i.maxUses, i.status, i.usedBy])).toEqual([
      ['proto-code-1', 0, 1, 'active', []],
      ['proto-code-2', 1, 1, 'used', []],
      ['multi-use-code', 1, 3, 'active', ['carol']],
    ]);
    // A copied invite keeps working: two more uses, then it is spent.
    await invites.redeemInvite('multi-use-code', 'dave', now);
    await invites.redeemInvite('multi-use-code', 'erin', now);
    await expect(invites.redeemInvite('multi-use-code', 'frank', now)).rejects.toThrow();

    const audit = await new PgAuditLog(pg.db).recent(10);
    expect(audit.map((e) => e.event)).toEqual(['login.success', 'register', 'invite.use']);
    expect(audit[2]).toEqual({
      at: '2026-03-01T10:00:00.000Z',
      event: 'invite.use',
      actor: 'carol',
      ip: '10.0.0.5',
      code: 'multi-use-code',
    });
  });

  it('refuses a database that already holds data, and changes nothing', async () => {
    await importer().run(site.dir);
    const before = await rowCounts();
    const error = await importer()
      .run(site.dir)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseNotEmptyError);
    expect((error as Error).message).toMatch(/not empty \(rows in audit_log, invites, users\).*Nothing was changed/);
    expect(await rowCounts()).toEqual(before);
  });

  it('counts even one audit entry as data', async () => {
    await new PgAuditLog(pg.db).appendAudit({ at: new Date().toISOString(), event: 'logout', actor: 'x', ip: null });
    await expect(importer().run(site.dir)).rejects.toThrow(DatabaseNotEmptyError);
    expect(await rowCounts()).toEqual({ users: 0, invites: 0, audit: 1 });
  });

  it('a broken file after the users were written rolls the whole import back', async () => {
    fs.writeFileSync(path.join(site.dir, 'invites.json'), '{"codes": [ {"code": "x"');
    const error = await importer()
      .run(site.dir)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportSourceError);
    expect((error as Error).message).toContain(`${path.join(site.dir, 'invites.json')}: not valid JSON`);
    expect(await rowCounts()).toEqual({ users: 0, invites: 0, audit: 0 });
  });

  it('a record the database refuses (a bad timestamp) names it and rolls back', async () => {
    const users = JSON.parse(fs.readFileSync(path.join(site.dir, 'users.json'), 'utf8'));
    users.users[2].last_login_at = 'yesterday-ish';
    fs.writeFileSync(path.join(site.dir, 'users.json'), JSON.stringify(users));
    await expect(importer().run(site.dir)).rejects.toThrow(/users\.json, user "carol": .*yesterday-ish/);
    expect(await rowCounts()).toEqual({ users: 0, invites: 0, audit: 0 });
  });

  it('refuses a folder that is not a DATA_DIR', async () => {
    await expect(importer().run(path.join(site.dir, 'nope'))).rejects.toThrow(/no such folder/);
    fs.mkdirSync(path.join(site.dir, 'empty'));
    await expect(importer().run(path.join(site.dir, 'empty'))).rejects.toThrow(/not a Gatehouse DATA_DIR/);
  });
});

/** API tokens made in files mode (only their digests were ever written) keep working after the move. */
describe('FilesImport (API tokens)', () => {
  let site: FilesSite;
  const clock = new ManualClock(new Date('2026-03-05T09:00:00.000Z'));
  const config = { apiTokenMaxDays: 365, loginMaxFailuresPerIp: 5, loginLockoutMinutes: 15 } as AppConfig;
  const audit = () => strictMock<AuditService>('AuditService', { record: () => Promise.resolve() });
  const importer = () => new FilesImport(pg.db, [new ApiTokensImportStep(new PgApiTokensRepository(pg.db))]);
  const carol = { id: CAROL_ID, username: 'carol', role: 'user', disabled: false } as User;
  const tokenFile = () => path.join(site.dir, API_TOKENS_FILE);
  const rowCounts = async () => {
    const { rows } = await pg.db.query<{ users: number; tokens: number }>(
      `SELECT (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM api_tokens) AS tokens`,
    );
    return rows[0];
  };

  /** Two of carol's tokens made by the files-mode service (one used once), plus an orphan row. */
  const makeTokensInFilesMode = async () => {
    const files = new JsonApiTokensRepository(new JsonStore({ dataDir: site.dir } as AppConfig));
    const service = new ApiTokensService(files, clock, config, audit());
    const ci = await service.create(carol, { name: 'ci', expiresInDays: 30 }, null);
    const laptop = await service.create(carol, { name: 'laptop' }, null);
    clock.advance(3600_000);
    await service.recordUse(ci.token);
    const data = JSON.parse(fs.readFileSync(tokenFile(), 'utf8'));
    data.tokens.push({ ...data.tokens[0], id: 'orphan-token', user_id: 'gone-user', token_sha256: 'f'.repeat(64) });
    fs.writeFileSync(tokenFile(), JSON.stringify(data));
    return { ci, laptop, stored: await files.listForUser(CAROL_ID) };
  };

  beforeEach(async () => {
    await pg.truncate();
    site = writeFilesSite();
  });
  afterEach(() => site.remove());

  it('copies every field; a files-mode token authenticates against the database, is listed and revocable', async () => {
    const { ci, laptop, stored } = await makeTokensInFilesMode();
    expect(stored.find((t) => t.id === ci.token.id)?.lastUsedAt).toBe('2026-03-05T10:00:00.000Z');

    const report = await importer().run(site.dir);
    expect(report.counts.at(-1)).toEqual({
      kind: 'API tokens',
      count: 2,
      detail: '1 of unknown user(s) left behind',
    });

    const repo = new PgApiTokensRepository(pg.db);
    expect(await repo.listForUser(CAROL_ID)).toEqual(stored);
    // Only digests moved: no raw token anywhere in the table.
    const dump = JSON.stringify((await pg.db.query('SELECT * FROM api_tokens')).rows);
    expect(dump).not.toContain(ci.secret);
    expect(dump).not.toContain(laptop.secret);

    // The bearer path, all on the database: digest lookup, owner re-read, throttle counters.
    const users = new PgUsersRepository(pg.db);
    const service = new ApiTokensService(repo, clock, config, audit());
    const bearer = new BearerAuthenticator(
      service,
      users,
      new RateLimiter(new PgThrottleRepository(pg.db, clock), clock),
      audit(),
      config,
    );
    const request = (secret: string) => ({
      headers: { authorization: `Bearer ${secret}` },
      method: 'GET',
      path: '/api/jobs',
      ip: '10.0.0.9',
    });
    await expect(bearer.authenticate(request(ci.secret))).resolves.toMatchObject({
      method: 'token',
      tokenId: ci.token.id,
      user: { id: CAROL_ID, username: 'carol' },
    });
    await expect(bearer.authenticate(request(laptop.secret))).resolves.toMatchObject({ tokenId: laptop.token.id });

    // /account's list (with its Revoke forms) shows both; a revoke in the database ends the token.
    const owner = (await users.findById(CAROL_ID))!;
    expect((await service.list(owner)).map((t) => [t.id, t.name, t.expired])).toEqual(
      stored.map((t) => [t.id, t.name, false]),
    );
    await service.revoke(owner, ci.token.id, null);
    await expect(bearer.authenticate(request(ci.secret))).rejects.toThrow();
    expect((await service.list(owner)).map((t) => t.id)).toEqual([laptop.token.id]);
  });

  it('no api-tokens.json (a site that never made one) copies none', async () => {
    const report = await importer().run(site.dir);
    expect(report.counts.at(-1)).toEqual({ kind: 'API tokens', count: 0 });
  });

  it.each([
    ['not JSON', '{"tokens": [', 'not valid JSON'],
    ['a row without its digest', '{"tokens": [{"id": "t1", "user_id": "u"}]}', 'token "t1": expected "name"'],
    [
      'a digest that is not one',
      JSON.stringify({
        tokens: [{ id: 't2', user_id: 'u', name: 'n', token_sha256: 'gat_x', created_at: 'a', expires_at: 'b' }],
      }),
      'token "t2": "token_sha256" is not a SHA-256 digest',
    ],
  ])('a damaged api-tokens.json (%s) rolls the whole import back naming the file', async (_, text, reason) => {
    fs.writeFileSync(tokenFile(), text);
    const error = await importer()
      .run(site.dir)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportSourceError);
    expect((error as Error).message).toContain(`${tokenFile()}: ${reason}`);
    expect(await rowCounts()).toEqual({ users: 0, tokens: 0 });
  });

  it('a row the database refuses (a bad timestamp, a repeated digest) names the file and token, and rolls back', async () => {
    await makeTokensInFilesMode();
    const data = JSON.parse(fs.readFileSync(tokenFile(), 'utf8'));
    const id = data.tokens[1].id as string;
    data.tokens[1].expires_at = 'next spring';
    fs.writeFileSync(tokenFile(), JSON.stringify(data));
    await expect(importer().run(site.dir)).rejects.toThrow(`${tokenFile()}, token "${id}": `);
    expect(await rowCounts()).toEqual({ users: 0, tokens: 0 });

    data.tokens[1].expires_at = data.tokens[0].expires_at;
    data.tokens[1].token_sha256 = data.tokens[0].token_sha256;
    fs.writeFileSync(tokenFile(), JSON.stringify(data));
    await expect(importer().run(site.dir)).rejects.toThrow(/token ".*": .*unique/);
    expect(await rowCounts()).toEqual({ users: 0, tokens: 0 });
  });
});
