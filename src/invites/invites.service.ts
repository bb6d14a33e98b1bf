import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Clock } from '../common/clock/clock';
import { FormError } from '../common/errors/form-error';
import { Role } from '../users/user.model';
import { InviteNotValidError } from './invite-errors';
import { Invite, InviteRecord, inviteStatus, maxUsesOf, toInvite, usesOf } from './invite.model';
import { InvitesRepository } from './invites.repository';

export interface MintInviteInput {
  note?: string;
  role?: Role;
  maxUses?: number;
  /** 0 = never expires. */
  expiresInDays?: number;
  code?: string;
  createdBy: string | null;
}

export const CUSTOM_CODE_PATTERN = /^[A-Za-z0-9_-]{6,64}$/;

/** Invite codes: mint, check, redeem (one use at a time, atomically), revoke. */
@Injectable()
export class InvitesService {
  constructor(
    private readonly invites: InvitesRepository,
    private readonly clock: Clock,
  ) {}

  async list(): Promise<Invite[]> {
    const now = this.clock.now();
    return (await this.invites.list()).map((r) => toInvite(r, now)).reverse();
  }

  /** 144 random bits, URL-safe (SPEC §5 asks for at least 112). */
  static newCode(): string {
    return randomBytes(18).toString('base64url');
  }

  async mint(input: MintInviteInput): Promise<Invite> {
    const now = this.clock.now();
    const code = input.code?.trim() || InvitesService.newCode();
    if (input.code && !CUSTOM_CODE_PATTERN.test(code)) {
      throw FormError.field('code', 'A custom code must be 6–64 letters, digits, dashes or underscores.');
    }
    const days = input.expiresInDays ?? 7;
    const record: InviteRecord = {
      code,
      note: input.note?.trim() ?? '',
      used: false,
      role: input.role ?? 'user',
      created_at: now.toISOString(),
      created_by: input.createdBy,
      max_uses: input.maxUses ?? 1,
      uses: 0,
      expires_at: days > 0 ? new Date(now.getTime() + days * 86_400_000).toISOString() : null,
      revoked_at: null,
      used_by: [],
    };
    await this.invites.mutate((codes) => {
      if (codes.some((c) => c.code === code)) throw FormError.field('code', 'That code already exists.');
      codes.push(record);
    });
    return toInvite(record, now);
  }

  /** For the registration form: is this code usable right now? Never uses it up. */
  async check(code: string): Promise<Invite> {
    const record = await this.invites.find(code);
    if (!record || inviteStatus(record, this.clock.now()) !== 'active') throw new InviteNotValidError();
    return toInvite(record, this.clock.now());
  }

  /**
   * Takes one use of the code for `username`. Callers serialise this with the account creation
   * (RegistrationService), so one use always means one account.
   */
  async redeem(code: string, username: string): Promise<Invite> {
    const now = this.clock.now();
    return this.invites.mutate((codes) => {
      const record = codes.find((c) => c.code === code);
      if (!record || inviteStatus(record, now) !== 'active') throw new InviteNotValidError();
      record.uses = usesOf(record) + 1;
      record.max_uses = maxUsesOf(record);
      record.used = record.uses >= record.max_uses;
      record.used_by = [...(record.used_by ?? []), username];
      record.last_used_at = now.toISOString();
      return toInvite(record, now);
    });
  }

  /** Gives a use back when the account could not be created after all. */
  async release(code: string, username: string): Promise<void> {
    await this.invites.mutate((codes) => {
      const record = codes.find((c) => c.code === code);
      if (!record) return;
      record.uses = Math.max(0, usesOf(record) - 1);
      record.used = record.uses >= maxUsesOf(record);
      record.used_by = (record.used_by ?? []).filter((name) => name !== username);
    });
  }

  async revoke(code: string, revokedBy: string | null): Promise<Invite> {
    const now = this.clock.now();
    return this.invites.mutate((codes) => {
      const record = codes.find((c) => c.code === code);
      if (!record) throw FormError.field('code', 'No such invite.', 404);
      if (!record.revoked_at) {
        record.revoked_at = now.toISOString();
        record.revoked_by = revokedBy;
      }
      return toInvite(record, now);
    });
  }
}
