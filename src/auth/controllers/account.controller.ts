import { Body, Controller, Get, Post, Query, Render, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AuditService } from '../../audit/audit.service';
import { FormView } from '../../common/decorators/form-view.decorator';
import { FormError } from '../../common/errors/form-error';
import { clientIp } from '../../common/http/request-info';
import { AuthService } from '../auth.service';
import { CurrentUser } from '../decorators/current-user.decorator';
import { ChangePasswordDto } from '../dto/auth-forms.dto';
import { PasswordHasher } from '../../users/passwords/password-hasher';
import { User } from '../../users/user.model';
import { UsersService } from '../../users/users.service';
import { SessionService } from '../session/session.service';

@Controller('account')
export class AccountController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
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
    if (!(await this.auth.verifyCurrentPassword(user, body.currentPassword, clientIp(req)))) {
      throw FormError.field('currentPassword', 'Your current password is not correct.');
    }
    const version = await this.users.setPasswordHash(user.id, await this.hasher.hash(body.newPassword));
    this.sessions.keepAfterVersionBump(req, version);
    await this.audit.record('user.password_change', { actor: user.username, ip: clientIp(req) });
    res.redirect(303, '/account/password?changed=1');
  }
}
