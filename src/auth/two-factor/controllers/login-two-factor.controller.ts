import { Body, Controller, Get, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Clock } from '../../../common/clock/clock';
import { FormView } from '../../../common/decorators/form-view.decorator';
import { clientIp } from '../../../common/http/request-info';
import { User } from '../../../users/user.model';
import { UsersService } from '../../../users/users.service';
import { Public } from '../../decorators/public.decorator';
import { SessionService } from '../../session/session.service';
import { TwoFactorCodeDto } from '../dto/two-factor-forms.dto';
import { currentHalfLogin, dropHalfLogin, HalfLogin } from '../half-login';
import { TwoFactorService } from '../two-factor.service';

const PAGE = 'auth/login-2fa';

/**
 * The second step of a login (SPEC §5.1). Public as far as the guards go (the session is not logged in
 * yet); without a live half-done login both routes send the visitor back to /login.
 */
@Controller('login/2fa')
export class LoginTwoFactorController {
  constructor(
    private readonly twoFactor: TwoFactorService,
    private readonly users: UsersService,
    private readonly clock: Clock,
    private readonly sessions: SessionService,
  ) {}

  @Public()
  @Get()
  async show(@Req() req: Request, @Res() res: Response): Promise<void> {
    if (!(await this.pending(req))) {
      res.redirect(303, '/login');
      return;
    }
    res.render(PAGE, { pageTitle: 'Two-factor login' });
  }

  @Public()
  @Post()
  @FormView(PAGE)
  async complete(@Body() body: TwoFactorCodeDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    const pending = await this.pending(req);
    if (!pending) {
      res.redirect(303, '/login');
      return;
    }
    const { half, user } = pending;
    const ip = clientIp(req);
    const method = await this.twoFactor.verifySecondFactor(user, body.code, ip);
    await this.twoFactor.completeLogin(user, method, ip);
    await this.sessions.establish(req, user);
    res.redirect(303, half.next);
  }

  /**
   * The live half-done login and its user; dropped when it is over 5 minutes old or its user was disabled,
   * deleted or signed out everywhere (session version moved) since the password step.
   */
  private async pending(req: Request): Promise<{ half: HalfLogin; user: User } | undefined> {
    const half = currentHalfLogin(req, this.clock.now());
    const user = half && (await this.users.findById(half.userId));
    if (half && user && !user.disabled && user.sessionVersion === half.sessionVersion) return { half, user };
    dropHalfLogin(req);
    return undefined;
  }
}
