import { Body, Controller, Get, Post, Query, Render, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { FormView } from '../../common/decorators/form-view.decorator';
import { clientIp } from '../../common/http/request-info';
import { CurrentUser } from '../decorators/current-user.decorator';
import { ChangePasswordDto } from '../dto/auth-forms.dto';
import { PasswordChangeService } from '../password-change.service';
import { User } from '../../users/user.model';
import { SessionService } from '../session/session.service';

@Controller('account')
export class AccountController {
  constructor(
    private readonly passwords: PasswordChangeService,
    private readonly sessions: SessionService,
  ) {}

  @Get('password')
  @Render('account/password')
  form(@Query('changed') changed?: string) {
    return { pageTitle: 'Change password', changed: changed === '1' };
  }

  /** Ends the user's other sessions (the version bumps) and keeps this one. */
  @Post('password')
  @FormView('account/password')
  async change(
    @Body() body: ChangePasswordDto,
    @CurrentUser() user: User,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const version = await this.passwords.changePassword(user, body.currentPassword, body.newPassword, clientIp(req));
    this.sessions.keepAfterVersionBump(req, version);
    res.redirect(303, '/account/password?changed=1');
  }
}
