import { usePgDatabase } from '../../../../test/helpers/pg-repository';
import { describeAuditLogContract } from '../../audit-log.contract';
import { PgAuditLog } from './pg-audit-log';

const pg = usePgDatabase(['audit_log']);

describeAuditLogContract('postgres', async () => {
  await pg.truncate();
  return { repo: new PgAuditLog(pg.db) };
});

describe('PgAuditLog', () => {
  beforeEach(() => pg.truncate());

  it('keeps an entry whose values hold U+0000 (typed by a visitor), with U+FFFD in its place', async () => {
    const log = new PgAuditLog(pg.db);
    const at = '2026-01-01T00:00:00.000Z';
    await log.appendAudit({ at, event: 'login.failure', actor: null, ip: '1.2.3.4', username: 'ro\u0000ot' });
    await expect(log.recent(1)).resolves.toEqual([
      { at, event: 'login.failure', actor: null, ip: '1.2.3.4', username: 'ro\uFFFDot' },
    ]);
  });

  it('keeps nested details and stores the fixed keys as columns', async () => {
    const log = new PgAuditLog(pg.db);
    const entry = {
      at: '2026-01-01T00:00:00.000Z',
      event: 'user.role' as const,
      actor: 'root',
      ip: '127.0.0.1',
      target: 'bob',
      change: { from: 'user', to: 'admin' },
      tags: ['a', 1, null],
    };
    await log.appendAudit(entry);
    await expect(log.recent(1)).resolves.toEqual([entry]);
    const { rows } = await pg.db.query('SELECT event, actor, fields FROM audit_log');
    expect(rows).toEqual([
      { event: 'user.role', actor: 'root', fields: { target: 'bob', change: entry.change, tags: entry.tags } },
    ]);
  });
});
