import type { RepositoryUnderTest } from '../users/users.repository.contract';
import { AuditEntry } from './audit-event';
import { AuditLog } from './audit-log';

function entry(n: number, extra: Record<string, unknown> = {}): AuditEntry {
  return { at: `2026-01-01T00:00:0${n}.000Z`, event: 'login.success', actor: `user${n}`, ip: null, ...extra };
}

/** The behaviour every AuditLog implementation must have. */
export function describeAuditLogContract(name: string, make: () => Promise<RepositoryUnderTest<AuditLog>>): void {
  describe(`AuditLog contract: ${name}`, () => {
    let log: AuditLog;
    let cleanup: RepositoryUnderTest<AuditLog>['cleanup'];

    beforeEach(async () => {
      ({ repo: log, cleanup } = await make());
    });
    afterEach(async () => {
      await cleanup?.();
    });

    it('is empty before anything was appended', async () => {
      await expect(log.recent(10)).resolves.toEqual([]);
    });

    it('returns the newest entries first, at most `limit`, with their details', async () => {
      for (let n = 1; n <= 4; n++) await log.appendAudit(entry(n, { target: `t${n}` }));
      await expect(log.recent(2)).resolves.toEqual([entry(4, { target: 't4' }), entry(3, { target: 't3' })]);
      await expect(log.recent(10)).resolves.toHaveLength(4);
    });

    it('keeps every entry whole when many are appended at once', async () => {
      await Promise.all(Array.from({ length: 20 }, (_, i) => log.appendAudit(entry(i % 10, { i }))));
      const entries = await log.recent(100);
      expect(entries).toHaveLength(20);
      expect(new Set(entries.map((e) => e.i)).size).toBe(20);
    });
  });
}
