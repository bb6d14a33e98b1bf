import * as fs from 'node:fs';
import * as path from 'node:path';
import { FilesSite, SITE_PASSWORDS, CAROL_ID, writeFilesSite } from '../../../test/helpers/files-site';
import { usePgDatabase } from '../../../test/helpers/pg-repository';
import { PgAuditLog } from '../../audit/persistence/postgres/pg-audit-log';
import { AppConfig } from '../../config/app-config';
import { PgInvitesRepository } from '../../invites/persistence/postgres/pg-invites.repository';
import { PasswordHasher } from '../../users/passwords/password-hasher';
import { PgUsersRepository } from '../../users/persistence/postgres/pg-users.repository';
import { DatabaseNotEmptyError, FilesImport, ImportSourceError } from './files-import.service';

const pg = usePgDatabase(['users', 'invites', 'audit_log']);

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
