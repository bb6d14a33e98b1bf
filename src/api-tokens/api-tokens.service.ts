import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock/clock';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import type { User } from '../users/user.model';
import { API_TOKEN_LAST_USED_EVERY_MS, ApiToken } from './api-token.model';
import { ApiTokensRepository } from './api-tokens.repository';
import { apiTokenDigest, looksLikeApiToken, newApiTokenSecret } from './token-format';

export const API_TOKEN_DEFAULT_DAYS = 90;
export const API_TOKEN_NAME_MAX = 64;
/** Tokens one user may hold at once (a bound on the file every bearer request reads). */
export const MAX_API_TOKENS_PER_USER = 50;
const DAY_MS = 24 * 3600_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface CreateApiTokenInput {
  name: string;
  /** Undefined: the default (90 days). */
  expiresInDays?: number;
}

/** A token as /account lists it: never its secret (which is not stored) nor its digest. */
export interface ApiTokenView {
  id: string;
  name: string;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  expired: boolean;
}

/** Why a user's tokens are all revoked at once (written to the audit log). */
export type RevokeAllReason = 'user_disabled' | 'signed_out_everywhere' | 'user_deleted';

/**
 * Personal API tokens (SPEC §5.2): create (the secret is returned once and only its SHA-256 is
 * stored), list, revoke; revoke-all for the admin actions that must end a user's access; and the
 * lookup bearer authentication uses. Audits token.create / token.revoke with the token's id and name,
 * never the token.
 */
@Injectable()
export class ApiTokensService {
  constructor(
    private readonly tokens: ApiTokensRepository,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  get maxDays(): number {
    return this.config.apiTokenMaxDays;
  }

  /** 90 days, or API_TOKEN_MAX_DAYS when that is shorter (the default must be allowed). */
  get defaultDays(): number {
    return Math.min(API_TOKEN_DEFAULT_DAYS, this.maxDays);
  }

  /** Returns the secret (show it once, keep it nowhere) and the stored record. */
  async create(
    user: User,
    input: CreateApiTokenInput,
    ip: string | null,
  ): Promise<{ secret: string; token: ApiToken }> {
    const name = (input.name ?? '').trim();
    if ([...name].length < 1 || [...name].length > API_TOKEN_NAME_MAX) {
      throw new DomainError('invalid_input', `Give the token a name of 1 to ${API_TOKEN_NAME_MAX} characters.`, {
        field: 'name',
      });
    }
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(name)) {
      throw new DomainError('invalid_input', 'A token name cannot contain control characters.', { field: 'name' });
    }
    const days = input.expiresInDays ?? this.defaultDays;
    if (!Number.isInteger(days) || days < 1 || days > this.maxDays) {
      throw new DomainError('invalid_input', `Expiry must be a whole number of days from 1 to ${this.maxDays}.`, {
        field: 'expiresInDays',
      });
    }
    if ((await this.tokens.listForUser(user.id)).length >= MAX_API_TOKENS_PER_USER) {
      throw new DomainError(
        'conflict',
        `You already have ${MAX_API_TOKENS_PER_USER} tokens: revoke one you no longer use first.`,
      );
    }
    const now = this.clock.now();
    const secret = newApiTokenSecret();
    const token: ApiToken = {
      id: randomUUID(),
      userId: user.id,
      name,
      tokenSha256: apiTokenDigest(secret),
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + days * DAY_MS).toISOString(),
      lastUsedAt: null,
    };
    await this.tokens.create(token);
    await this.audit.record('token.create', {
      actor: user.username,
      ip,
      id: token.id,
      name: token.name,
      expires_at: token.expiresAt,
    });
    return { secret, token };
  }

  async list(user: User): Promise<ApiTokenView[]> {
    const now = this.clock.now();
    return (await this.tokens.listForUser(user.id)).map((t) => ({
      id: t.id,
      name: t.name,
      createdAt: t.createdAt,
      expiresAt: t.expiresAt,
      lastUsedAt: t.lastUsedAt,
      expired: new Date(t.expiresAt) <= now,
    }));
  }

  /** Revokes one of the user's own tokens (another user's id is "not found", never "not yours"). */
  async revoke(user: User, id: string, ip: string | null): Promise<ApiToken> {
    // Ids are UUIDs: anything else (a typo, a U+0000 that PostgreSQL would refuse) is simply not found.
    const removed = UUID.test(id) ? await this.tokens.delete(user.id, id) : undefined;
    if (!removed) throw new DomainError('not_found', 'No such token (it may have been revoked already).');
    await this.audit.record('token.revoke', { actor: user.username, ip, id: removed.id, name: removed.name });
    return removed;
  }

  /** Revokes every token of `user` (admin disable, "sign out everywhere", delete); one audit event per token. */
  async revokeAllForUser(user: User, actor: string, ip: string | null, reason: RevokeAllReason): Promise<number> {
    const removed = await this.tokens.deleteAllForUser(user.id);
    for (const token of removed) {
      await this.audit.record('token.revoke', {
        actor,
        ip,
        target: user.username,
        id: token.id,
        name: token.name,
        reason,
      });
    }
    return removed.length;
  }

  /** Per user id, how many unexpired tokens they hold (the admin panel's column). */
  liveCountsByUser(): Promise<Map<string, number>> {
    return this.tokens.countLiveByUser(this.clock.now());
  }

  /**
   * The stored token a presented secret stands for, if it is one of ours and has not expired: looked
   * up by digest (an index lookup, so no timing oracle on the secret). recordUse() notes its use.
   */
  async findUsable(secret: string): Promise<ApiToken | undefined> {
    if (!looksLikeApiToken(secret)) return undefined;
    const token = await this.tokens.findByHash(apiTokenDigest(secret));
    const now = this.clock.now();
    if (!token || new Date(token.expiresAt) <= now) return undefined;
    return token;
  }

  /** Writes last_used unless it was written within the minute (a read, no write, on most requests). */
  async recordUse(token: ApiToken): Promise<void> {
    const now = this.clock.now();
    if (token.lastUsedAt && now.getTime() - new Date(token.lastUsedAt).getTime() < API_TOKEN_LAST_USED_EVERY_MS) return;
    await this.tokens.touch(token.id, now, API_TOKEN_LAST_USED_EVERY_MS);
  }
}
