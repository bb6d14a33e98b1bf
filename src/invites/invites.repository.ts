import { Injectable, OnModuleInit } from '@nestjs/common';
import { JsonFile } from '../persistence/json/json-file';
import { JsonStore } from '../persistence/json/json-store.service';
import { assertObjectWithArray } from '../persistence/json/shapes';
import { InviteRecord, InvitesFile } from './invite.model';

export const INVITES_FILE = 'invites.json';

/** The only code that touches invites.json. */
@Injectable()
export class InvitesRepository implements OnModuleInit {
  private readonly file: JsonFile<InvitesFile>;

  constructor(store: JsonStore) {
    this.file = store.file<InvitesFile>(INVITES_FILE, {
      empty: () => ({ codes: [] }),
      validate: assertObjectWithArray('codes'),
      pretty: true,
    });
  }

  async onModuleInit(): Promise<void> {
    await this.file.load();
  }

  async list(): Promise<InviteRecord[]> {
    return (await this.file.read()).codes;
  }

  /** Codes are compared exactly (they are random; case matters). */
  async find(code: string): Promise<InviteRecord | undefined> {
    return (await this.file.read()).codes.find((c) => c.code === code);
  }

  /** Atomic change of invites.json; the mutator must validate before changing anything. */
  mutate<R>(change: (codes: InviteRecord[]) => R): Promise<R> {
    return this.file.update((data) => change(data.codes));
  }
}
