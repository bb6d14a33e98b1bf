import { Injectable } from '@nestjs/common';
import { InviteCodeTakenError, InviteNotFoundError, InviteNotValidError } from '../../invite-errors';
import { Invite, inviteStatus, NewInviteData } from '../../invite.model';
import { InvitesRepository } from '../../invites.repository';

interface StoredInvite extends Omit<Invite, 'status'> {
  revokedBy: string | null;
  lastUsedAt: string | null;
}

/** Invites in memory, for service tests; passes the same contract test as the files. */
@Injectable()
export class MemoryInvitesRepository extends InvitesRepository {
  private invites: StoredInvite[] = [];

  async list(now: Date): Promise<Invite[]> {
    return this.invites.map((stored) => toInvite(stored, now));
  }

  async findByCode(code: string, now: Date): Promise<Invite | undefined> {
    const stored = this.invites.find((i) => i.code === code);
    return stored && toInvite(stored, now);
  }

  async createInvite(input: NewInviteData): Promise<Invite> {
    if (this.invites.some((i) => i.code === input.code)) throw new InviteCodeTakenError();
    const stored: StoredInvite = { ...input, uses: 0, revokedAt: null, revokedBy: null, usedBy: [], lastUsedAt: null };
    this.invites.push(stored);
    return toInvite(stored, new Date(input.createdAt));
  }

  async redeemInvite(code: string, username: string, now: Date): Promise<Invite> {
    const stored = this.invites.find((i) => i.code === code);
    if (!stored || inviteStatus(stored, now) !== 'active') throw new InviteNotValidError();
    stored.uses++;
    stored.usedBy = [...stored.usedBy, username];
    stored.lastUsedAt = now.toISOString();
    return toInvite(stored, now);
  }

  async releaseInvite(code: string, username: string): Promise<void> {
    const stored = this.invites.find((i) => i.code === code);
    if (!stored) return;
    stored.uses = Math.max(0, stored.uses - 1);
    stored.usedBy = stored.usedBy.filter((name) => name !== username);
  }

  async revokeInvite(code: string, revokedBy: string | null, now: Date): Promise<Invite> {
    const stored = this.invites.find((i) => i.code === code);
    if (!stored) throw new InviteNotFoundError();
    if (!stored.revokedAt) {
      stored.revokedAt = now.toISOString();
      stored.revokedBy = revokedBy;
    }
    return toInvite(stored, now);
  }
}

function toInvite(stored: StoredInvite, now: Date): Invite {
  const { revokedBy: _by, lastUsedAt: _at, ...invite } = stored;
  return { ...invite, usedBy: [...stored.usedBy], status: inviteStatus(stored, now) };
}
