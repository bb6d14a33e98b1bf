import { Injectable } from '@nestjs/common';
import { ResetToken, ResetTokensRepository } from '../../reset-tokens.repository';

/** Reset tokens in memory, for service tests; passes the same contract test as the file. */
@Injectable()
export class MemoryResetTokensRepository extends ResetTokensRepository {
  private tokens: ResetToken[] = [];

  async replaceTokenForUser(token: ResetToken, now: Date): Promise<void> {
    this.tokens = this.tokens.filter((t) => t.userId !== token.userId && new Date(t.expiresAt) > now);
    this.tokens.push({ ...token });
  }

  async findValid(tokenSha256: string, now: Date): Promise<ResetToken | undefined> {
    const token = this.tokens.find((t) => t.tokenSha256 === tokenSha256 && new Date(t.expiresAt) > now);
    return token && { ...token };
  }

  async claim(tokenSha256: string): Promise<boolean> {
    const before = this.tokens.length;
    this.tokens = this.tokens.filter((t) => t.tokenSha256 !== tokenSha256);
    return this.tokens.length < before;
  }
}
