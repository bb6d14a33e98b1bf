import { Injectable } from '@nestjs/common';
import { JsonFile } from '../../../../persistence/json/json-file';
import { JsonStore } from '../../../../persistence/json/json-store.service';
import { assertObjectWithArray } from '../../../../persistence/json/shapes';
import { ResetToken, ResetTokensRepository } from '../../reset-tokens.repository';
import { ResetsFile, toResetRecord, toResetToken } from './reset-token.record';

export const RESETS_FILE = 'password-resets.json';

/** DATA_DIR/password-resets.json. */
@Injectable()
export class JsonResetTokensRepository extends ResetTokensRepository {
  private readonly file: JsonFile<ResetsFile>;

  constructor(store: JsonStore) {
    super();
    this.file = store.file<ResetsFile>(RESETS_FILE, {
      empty: () => ({ resets: [] }),
      validate: assertObjectWithArray('resets'),
    });
  }

  async replaceTokenForUser(token: ResetToken, now: Date): Promise<void> {
    await this.file.update((data) => {
      data.resets = data.resets.filter((r) => r.user_id !== token.userId && new Date(r.expires_at) > now);
      data.resets.push(toResetRecord(token));
    });
  }

  async findValid(tokenSha256: string, now: Date): Promise<ResetToken | undefined> {
    const data = await this.file.readIfExists();
    const record = data?.resets.find((r) => r.token_sha256 === tokenSha256 && new Date(r.expires_at) > now);
    return record && toResetToken(record);
  }

  claim(tokenSha256: string): Promise<boolean> {
    return this.file.update((data) => {
      const index = data.resets.findIndex((r) => r.token_sha256 === tokenSha256);
      if (index < 0) return false;
      data.resets.splice(index, 1);
      return true;
    });
  }
}
