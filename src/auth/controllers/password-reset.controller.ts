import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { FormView } from '../../common/decorators/form-view.decorator';
import { clientIp } from '../../common/http/request-info';
import { Public } from '../decorators/public.decorator';
import { ResetPasswordDto } from '../dto/auth-forms.dto';
import { PasswordResetService, RESET_LINK_INVALID } from '../reset/password-reset.service';
import { SessionService } from '../session/session.service';

@Controller('reset-password')
export class PasswordResetController {
  constructor(
    private readonly resets: PasswordResetService,
    private readonly sessions: SessionService,
  ) {}

  @Public()
  @Get()
  async form(@Query('token') token: string | undefined, @Res() res: Response): Promise<void> {
    const valid = typeof token === 'string' && (await this.resets.isValid(token));
    res.status(valid ? 200 : 400).render('auth/reset-password', {
      pageTitle: 'Choose a new password',
      invalid: !valid,
      message: valid ? undefined : RESET_LINK_INVALID,
      form: { values: { token: valid ? token : '' } },
    });
  }

  @Public()
  @Post()
  @FormView('auth/reset-password')
  async reset(@Body() body: ResetPasswordDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.resets.reset(body.token, body.password, clientIp(req));
    await this.sessions.end(req);
    res.redirect(303, '/login?reset=1');
  }
}
