import { ManualClock } from '../common/clock/clock';
import { FormError } from '../common/errors/form-error';
import { InviteNotValidError } from './invite-errors';
import { InviteRecord } from './invite.model';
import { InvitesRepository } from './invites.repository';
import { InvitesService } from './invites.service';

class MemoryInvites {
  codes: InviteRecord[] = [];
  async list() {
    return this.codes;
  }
  async find(code: string) {
    return this.codes.find((c) => c.code === code);
  }
  async mutate<R>(change: (codes: InviteRecord[]) => R): Promise<R> {
    const draft = structuredClone(this.codes);
    const result = change(draft); // throwing leaves this.codes untouched, as the store does
    this.codes = draft;
    return result;
  }
}

describe('InvitesService', () => {
  let repo: MemoryInvites;
  let clock: ManualClock;
  let service: InvitesService;

  beforeEach(() => {
    repo = new MemoryInvites();
    clock = new ManualClock(new Date('2026-03-01T12:00:00Z'));
    service = new InvitesService(repo as unknown as InvitesRepository, clock);
  });

  it('mints random URL-safe codes of at least 112 bits, with defaults', async () => {
    const invite = await service.mint({ createdBy: 'root' });
    expect(invite.code).toMatch(/^[A-Za-z0-9_-]{24}$/); // 18 bytes = 144 bits
    expect(invite).toMatchObject({ role: 'user', maxUses: 1, uses: 0, status: 'active', createdBy: 'root' });
    expect(invite.expiresAt).toBe('2026-03-08T12:00:00.000Z');
    const other = await service.mint({ createdBy: 'root' });
    expect(other.code).not.toBe(invite.code);
  });

  it('mints a never-expiring invite with expiresInDays 0', async () => {
    expect((await service.mint({ createdBy: null, expiresInDays: 0 })).expiresAt).toBeNull();
  });

  it('accepts a valid custom code and refuses a duplicate or malformed one', async () => {
    await service.mint({ createdBy: null, code: 'team-2026' });
    await expect(service.mint({ createdBy: null, code: 'team-2026' })).rejects.toThrow('That code already exists.');
    await expect(service.mint({ createdBy: null, code: 'bad code!' })).rejects.toThrow(FormError);
    await expect(service.mint({ createdBy: null, code: 'abc' })).rejects.toThrow(FormError);
    expect(repo.codes).toHaveLength(1);
  });

  it('redeem() takes one use, marks used at maxUses and refuses after', async () => {
    await service.mint({ createdBy: null, code: 'twice-ok', maxUses: 2 });
    await service.redeem('twice-ok', 'a');
    expect(repo.codes[0]).toMatchObject({ uses: 1, used: false, used_by: ['a'] });
    await service.redeem('twice-ok', 'b');
    expect(repo.codes[0]).toMatchObject({ uses: 2, used: true, used_by: ['a', 'b'] });
    await expect(service.redeem('twice-ok', 'c')).rejects.toThrow(InviteNotValidError);
    expect(repo.codes[0].uses).toBe(2);
  });

  it('check() and redeem() refuse expired and revoked codes with the same error', async () => {
    await service.mint({ createdBy: null, code: 'expiring', expiresInDays: 1 });
    await service.mint({ createdBy: null, code: 'revoked1' });
    await service.revoke('revoked1', 'root');
    clock.advance(86_400_001);
    for (const code of ['expiring', 'revoked1', 'unknown-code']) {
      await expect(service.check(code)).rejects.toThrow(InviteNotValidError);
      await expect(service.redeem(code, 'x')).rejects.toThrow('This invite code is not valid.');
    }
  });

  it('reads prototype invites: used=false means one use left, used=true means none', async () => {
    repo.codes = [
      { code: 'old-free', note: 'n', used: false },
      { code: 'old-used', note: 'n', used: true },
    ];
    await expect(service.check('old-free')).resolves.toMatchObject({ status: 'active', maxUses: 1, uses: 0 });
    await expect(service.check('old-used')).rejects.toThrow(InviteNotValidError);
  });

  it('release() gives a use back', async () => {
    await service.mint({ createdBy: null, code: 'give-back' });
    await service.redeem('give-back', 'a');
    await service.release('give-back', 'a');
    expect(repo.codes[0]).toMatchObject({ uses: 0, used: false, used_by: [] });
  });
});
