import { Injectable } from '@nestjs/common';
import type { ApiToken } from '../../api-token.model';
import { ApiTokensRepository, lastUsedIsDue } from '../../api-tokens.repository';

/** API tokens in memory, for service tests; passes the same contract test as the file and PostgreSQL. */
@Injectable()
export class MemoryApiTokensRepository extends ApiTokensRepository {
  private tokens: ApiToken[] = [];

  async create(token: ApiToken): Promise<void> {
    this.tokens.push({ ...token });
  }

  async findByHash(tokenSha256: string): Promise<ApiToken | undefined> {
    const token = this.tokens.find((t) => t.tokenSha256 === tokenSha256);
    return token && { ...token };
  }

  async listForUser(userId: string): Promise<ApiToken[]> {
    return newestFirst(this.tokens.filter((t) => t.userId === userId)).map((t) => ({ ...t }));
  }

  async delete(userId: string, id: string): Promise<ApiToken | undefined> {
    const token = this.tokens.find((t) => t.id === id && t.userId === userId);
    if (token) this.tokens = this.tokens.filter((t) => t !== token);
    return token && { ...token };
  }

  async deleteAllForUser(userId: string): Promise<ApiToken[]> {
    const removed = this.tokens.filter((t) => t.userId === userId);
    this.tokens = this.tokens.filter((t) => t.userId !== userId);
    return newestFirst(removed);
  }

  async touch(id: string, at: Date, everyMs: number): Promise<boolean> {
    const token = this.tokens.find((t) => t.id === id);
    if (!token || !lastUsedIsDue(token.lastUsedAt, at, everyMs)) return false;
    token.lastUsedAt = at.toISOString();
    return true;
  }

  async countLiveByUser(now: Date): Promise<Map<string, number>> {
    return countLive(this.tokens, now);
  }
}

/** Newest first; ties (same created_at) by id, so every implementation lists in the same order. */
export function newestFirst(tokens: ApiToken[]): ApiToken[] {
  return [...tokens].sort((a, b) =>
    a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1,
  );
}

export function countLive(tokens: readonly ApiToken[], now: Date): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of tokens) {
    if (new Date(t.expiresAt) > now) counts.set(t.userId, (counts.get(t.userId) ?? 0) + 1);
  }
  return counts;
}
