import { Body, Controller, Get, Post, Query, Render, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AuditService } from '../../audit/audit.service';
import { FormView } from '../../common/decorators/form-view.decorator';
import { clientIp } from '../../common/http/request-info';
import { AuthService } from '../auth.service';
import { Public } from '../decorators/public.decorator';
import { LoginDto } from '../dto/auth-forms.dto';
import { safeNext } from '../next-url';
import { SessionService } from '../session/session.service';
import { AllowedBeforeTwoFactor } from '../two-factor/allowed-before-two-factor.decorator';

@Controller()
export class LoginController {
  constructor(
    private readonly auth: AuthService,
    private readonly audit: AuditService,
    private readonly sessions: SessionService,
  ) {}

  @Public()
  @Get('login')
  @Render('auth/login')
  loginForm(@Query('next') next?: string) {
    return { pageTitle: 'Log in', form: { values: { next: safeNext(next) === '/' ? '' : next } } };
  }

  @Public()
  @Post('login')
  @FormView('auth/login')
  async login(@Body() body: LoginDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    const { user, secondFactorDue } = await this.auth.login(body.username, body.password, clientIp(req));
    if (secondFactorDue) {
      // Two-factor login (SPEC §5.1): not logged in until /login/2fa gets a right code.
      await this.sessions.beginHalfLogin(req, user, safeNext(body.next));
      res.redirect(303, '/login/2fa');
      return;
    }
    await this.sessions.establish(req, user);
    res.redirect(303, safeNext(body.next));
  }

  @Public()
  @AllowedBeforeTwoFactor()
  @Get('logout')
  async logoutLink(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.logoutAndRedirect(req, res);
  }

  @Public()
  @AllowedBeforeTwoFactor()
  @Post('logout')
  async logout(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.logoutAndRedirect(req, res);
  }

  private async logoutAndRedirect(req: Request, res: Response): Promise<void> {
    if (req.user) await this.audit.record('logout', { actor: req.user.username, ip: clientIp(req) });
    await this.sessions.end(req);
    res.redirect(303, '/');
  }
}
