import { Injectable } from '@nestjs/common';
import { AuditService } from '../../audit/audit.service';
import { DomainError } from '../../common/errors/domain-error';
import { User } from '../../users/user.model';
import { UsersService } from '../../users/users.service';
import { DAILY_DRAFTS_MAX, DAILY_DRAFTS_RULE } from '../dto/generation-forms.dto';

/** An admin sets a user's own daily limit (SPEC §8): the rule and its audit event, without HTTP. */
@Injectable()
export class QuotaOverrideService {
  constructor(
    private readonly users: UsersService,
    private readonly audit: AuditService,
  ) {}

  /**
   * `raw`: a whole number 0–1,000,000 (0 = unlimited) or empty (back to GENERATION_DAILY_DRAFTS), as
   * the form's DTO already shaped it. Unknown user: the users service's 404.
   */
  async setDailyDrafts(username: string, raw: string, actor: User, ip: string): Promise<User> {
    const trimmed = raw.trim();
    const dailyDrafts = trimmed === '' ? null : Number(trimmed);
    if (dailyDrafts !== null && (!Number.isInteger(dailyDrafts) || dailyDrafts < 0 || dailyDrafts > DAILY_DRAFTS_MAX)) {
      throw new DomainError('invalid_input', DAILY_DRAFTS_RULE, { field: 'dailyDrafts' });
    }
    const user = await this.users.setDailyDrafts(username, dailyDrafts);
    await this.audit.record('user.quota', {
      actor: actor.username,
      ip,
      target: user.username,
      daily_drafts: dailyDrafts,
    });
    return user;
  }
}
