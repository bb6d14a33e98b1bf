import { Body, Controller, Get, Injectable, Param, Post, Render, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CurrentUser } from '../../auth/decorators/current-user.decorator';
import { Roles } from '../../auth/decorators/roles.decorator';
import { safeNext } from '../../auth/next-url';
import { User } from '../../users/user.model';
import { UsersService } from '../../users/users.service';
import { FormLocalsProvider, FormView } from '../../common/decorators/form-view.decorator';
import { clientIp } from '../../common/http/request-info';
import { AppConfig } from '../../config/app-config';
import { QuotaDto } from '../dto/generation-forms.dto';
import { QuotaOverrideService } from '../usage/quota-override.service';
import { UsageReportService } from '../usage/usage-report.service';

/** The usage page's data; also re-rendered (with the error) when a quota form is refused. */
@Injectable()
export class UsagePageLocals implements FormLocalsProvider {
  constructor(
    private readonly users: UsersService,
    private readonly usage: UsageReportService,
    private readonly config: AppConfig,
  ) {}

  async load(): Promise<Record<string, unknown>> {
    const report = await this.usage.report(await this.users.list(), this.config.generationDailyDrafts);
    return { pageTitle: 'Usage', report };
  }
}

/** Spend per tester and per-user daily limits (admin). */
@Controller('admin')
@Roles('admin')
export class UsageAdminController {
  constructor(
    private readonly page: UsagePageLocals,
    private readonly overrides: QuotaOverrideService,
  ) {}

  @Get('usage')
  @Render('generation/usage')
  async usage(@Req() req: Request) {
    return { ...(await this.page.load()), saved: req.query.saved === '1' };
  }

  /** `dailyDrafts`: a whole number ≥ 0 (0 = unlimited) or empty (back to GENERATION_DAILY_DRAFTS). */
  @Post('users/:username/quota')
  @FormView('generation/usage', UsagePageLocals)
  async setQuota(
    @Param('username') username: string,
    @Body() body: QuotaDto,
    @CurrentUser() actor: User,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.overrides.setDailyDrafts(username, body.dailyDrafts, actor, clientIp(req));
    const back = safeNext(body.returnTo);
    res.redirect(303, back === '/' ? '/admin/usage?saved=1' : back);
  }
}
