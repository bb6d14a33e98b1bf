import { Injectable, OnModuleInit } from '@nestjs/common';
import { JsonFile } from '../../../persistence/json/json-file';
import { JsonStore } from '../../../persistence/json/json-store.service';
import { assertObjectWithArray } from '../../../persistence/json/shapes';
import { InviteCodeTakenError, InviteNotFoundError, InviteNotValidError } from '../../invite-errors';
import { Invite, NewInviteData } from '../../invite.model';
import { InvitesRepository } from '../../invites.repository';
import { InvitesFile, maxUsesOf, toInvite, toInviteRecord, usesOf } from './invite.record';

export const INVITES_FILE = 'invites.json';

/** invites.json (pretty-printed: operators read it). */
@Injectable()
export class JsonInvitesRepository extends InvitesRepository implements OnModuleInit {
  private readonly file: JsonFile<InvitesFile>;
  private readonly createAtStart: boolean;

  constructor(store: JsonStore) {
    super();
    this.createAtStart = store.createsFilesAtStart;
    this.file = store.file<InvitesFile>(INVITES_FILE, {
      empty: () => ({ codes: [] }),
      validate: assertObjectWithArray('codes'),
      pretty: true,
    });
  }

  /** Loads at start-up so a corrupt invites.json stops the app with its name (the CLI only checks it). */
  async onModuleInit(): Promise<void> {
    if (this.createAtStart) await this.file.load();
    else await this.file.readIfExists();
  }

  /** Reads never create the file (writes do). */
  private async codes(): Promise<InvitesFile['codes']> {
    return (await this.file.readIfExists())?.codes ?? [];
  }

  async list(now: Date): Promise<Invite[]> {
    return (await this.codes()).map((record) => toInvite(record, now));
  }

  async findByCode(code: string, now: Date): Promise<Invite | undefined> {
    const record = (await this.codes()).find((c) => c.code === code);
    return record && toInvite(record, now);
  }

  createInvite(input: NewInviteData): Promise<Invite> {
    const record = toInviteRecord(input);
    return this.file.update(({ codes }) => {
      if (codes.some((c) => c.code === input.code)) throw new InviteCodeTakenError();
      codes.push(record);
      return toInvite(record, new Date(input.createdAt));
    });
  }

  redeemInvite(code: string, username: string, now: Date): Promise<Invite> {
    return this.file.update(({ codes }) => {
      const record = codes.find((c) => c.code === code);
      if (!record || toInvite(record, now).status !== 'active') throw new InviteNotValidError();
      record.uses = usesOf(record) + 1;
      record.max_uses = maxUsesOf(record);
      record.used = record.uses >= record.max_uses;
      record.used_by = [...(record.used_by ?? []), username];
      record.last_used_at = now.toISOString();
      return toInvite(record, now);
    });
  }

  async releaseInvite(code: string, username: string): Promise<void> {
    await this.file.update(({ codes }) => {
      const record = codes.find((c) => c.code === code);
      if (!record) return;
      record.uses = Math.max(0, usesOf(record) - 1);
      record.used = record.uses >= maxUsesOf(record);
      record.used_by = (record.used_by ?? []).filter((name) => name !== username);
    });
  }

  revokeInvite(code: string, revokedBy: string | null, now: Date): Promise<Invite> {
    return this.file.update(({ codes }) => {
      const record = codes.find((c) => c.code === code);
      if (!record) throw new InviteNotFoundError();
      if (!record.revoked_at) {
        record.revoked_at = now.toISOString();
        record.revoked_by = revokedBy;
      }
      return toInvite(record, now);
    });
  }
}
