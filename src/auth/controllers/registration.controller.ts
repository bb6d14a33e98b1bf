import { Body, Controller, Get, Post, Query, Render, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { FormView } from '../../common/decorators/form-view.decorator';
import { clientIp } from '../../common/http/request-info';
import { Public } from '../decorators/public.decorator';
import { RegisterDto } from '../dto/auth-forms.dto';
import { RegistrationService } from '../registration.service';
import { SessionService } from '../session/session.service';

@Controller('register')
export class RegistrationController {
  constructor(
    private readonly registration: RegistrationService,
    private readonly sessions: SessionService,
  ) {}

  /** Invite links land here; opening one never uses the code up. */
  @Public()
  @Get()
  @Render('auth/register')
  form(@Query('code') code?: string) {
    return { pageTitle: 'Register', form: { values: { inviteCode: typeof code === 'string' ? code : '' } } };
  }

  @Public()
  @Post()
  @FormView('auth/register')
  async register(@Body() body: RegisterDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    const ip = clientIp(req);
    await this.registration.countAttempt(ip);
    const user = await this.registration.register(body, ip);
    await this.sessions.establish(req, user);
    res.redirect(303, '/');
  }
}
