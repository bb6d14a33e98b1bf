import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Clock } from '../common/clock/clock';
import { DomainError } from '../common/errors/domain-error';
import { Role } from '../users/user.model';
import { InviteNotValidError } from './invite-errors';
import { Invite } from './invite.model';
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

/** Invite codes: mint, check, redeem (one use at a time, atomically, in the repository), revoke. */
@Injectable()
export class InvitesService {
  constructor(
    private readonly invites: InvitesRepository,
    private readonly clock: Clock,
  ) {}

  /** Newest first. */
  async list(): Promise<Invite[]> {
    return (await this.invites.list(this.clock.now())).reverse();
  }

  /** 144 random bits, URL-safe (SPEC §5 asks for at least 112). */
  static newCode(): string {
    return randomBytes(18).toString('base64url');
  }

  async mint(input: MintInviteInput): Promise<Invite> {
    const now = this.clock.now();
    const code = input.code?.trim() || InvitesService.newCode();
    if (input.code && !CUSTOM_CODE_PATTERN.test(code)) {
      throw new DomainError('invalid_input', 'A custom code must be 6–64 letters, digits, dashes or underscores.', {
        field: 'code',
      });
    }
    const days = input.expiresInDays ?? 7;
    return this.invites.createInvite({
      code,
      note: input.note?.trim() ?? '',
      role: input.role ?? 'user',
      createdAt: now.toISOString(),
      createdBy: input.createdBy,
      maxUses: input.maxUses ?? 1,
      expiresAt: days > 0 ? new Date(now.getTime() + days * 86_400_000).toISOString() : null,
    });
  }

  /** For the registration form: is this code usable right now? Never uses it up. */
  async check(code: string): Promise<Invite> {
    const invite = await this.invites.findByCode(code, this.clock.now());
    if (!invite || invite.status !== 'active') throw new InviteNotValidError();
    return invite;
  }

  /**
   * Takes one use of the code for `username` (InviteNotValidError if it is not active). Callers run it
   * in the same unit of work as the account creation (RegistrationService), so one use is one account.
   */
  redeem(code: string, username: string): Promise<Invite> {
    return this.invites.redeemInvite(code, username, this.clock.now());
  }

  /** Gives a use back when the account could not be created after all. */
  release(code: string, username: string): Promise<void> {
    return this.invites.releaseInvite(code, username);
  }

  revoke(code: string, revokedBy: string | null): Promise<Invite> {
    return this.invites.revokeInvite(code, revokedBy, this.clock.now());
  }
}
