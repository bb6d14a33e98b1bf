import { Injectable } from '@nestjs/common';
import { JsonFile } from '../../../persistence/json/json-file';
import { JsonStore } from '../../../persistence/json/json-store.service';
import { assertObjectWithArray } from '../../../persistence/json/shapes';
import type { ApiToken } from '../../api-token.model';
import { ApiTokensRepository, lastUsedIsDue } from '../../api-tokens.repository';
import { countLive, newestFirst } from '../memory/memory-api-tokens.repository';
import { ApiTokenRecord, ApiTokensFile, toApiToken, toApiTokenRecord } from './api-token.record';

export const API_TOKENS_FILE = 'api-tokens.json';

/**
 * DATA_DIR/api-tokens.json (0600 like every data file): digests, never tokens. A bearer request looks
 * its digest up in a Map rebuilt only when the file changed (another worker's write included: the
 * file is re-read when its inode changes), so authentication costs a stat, not a scan.
 */
@Injectable()
export class JsonApiTokensRepository extends ApiTokensRepository {
  private readonly file: JsonFile<ApiTokensFile>;
  private byHash = new Map<string, ApiTokenRecord>();
  private indexedRevision = -1;

  constructor(store: JsonStore) {
    super();
    this.file = store.file<ApiTokensFile>(API_TOKENS_FILE, {
      empty: () => ({ tokens: [] }),
      validate: assertObjectWithArray('tokens'),
    });
  }

  async create(token: ApiToken): Promise<void> {
    await this.file.update((data) => {
      data.tokens.push(toApiTokenRecord(token));
    });
  }

  async findByHash(tokenSha256: string): Promise<ApiToken | undefined> {
    const data = await this.file.read();
    if (this.file.revision !== this.indexedRevision) {
      const revision = this.file.revision;
      this.byHash = new Map(data.tokens.map((r) => [r.token_sha256, r]));
      this.indexedRevision = revision;
    }
    const record = this.byHash.get(tokenSha256);
    return record && toApiToken(record);
  }

  async listForUser(userId: string): Promise<ApiToken[]> {
    const data = await this.file.read();
    return newestFirst(data.tokens.filter((r) => r.user_id === userId).map(toApiToken));
  }

  delete(userId: string, id: string): Promise<ApiToken | undefined> {
    return this.file.update((data) => {
      const index = data.tokens.findIndex((r) => r.id === id && r.user_id === userId);
      if (index < 0) return undefined;
      const [removed] = data.tokens.splice(index, 1);
      return toApiToken(removed);
    });
  }

  deleteAllForUser(userId: string): Promise<ApiToken[]> {
    return this.file.update((data) => {
      const removed = data.tokens.filter((r) => r.user_id === userId);
      if (removed.length > 0) data.tokens = data.tokens.filter((r) => r.user_id !== userId);
      return newestFirst(removed.map(toApiToken));
    });
  }

  async touch(id: string, at: Date, everyMs: number): Promise<boolean> {
    // Read first: a token used within the minute costs no lock and no write.
    const current = (await this.file.read()).tokens.find((r) => r.id === id);
    if (!current || !lastUsedIsDue(current.last_used_at, at, everyMs)) return false;
    return this.file.update((data) => {
      const record = data.tokens.find((r) => r.id === id);
      if (!record || !lastUsedIsDue(record.last_used_at, at, everyMs)) return false;
      record.last_used_at = at.toISOString();
      return true;
    });
  }

  async countLiveByUser(now: Date): Promise<Map<string, number>> {
    return countLive((await this.file.read()).tokens.map(toApiToken), now);
  }
}
