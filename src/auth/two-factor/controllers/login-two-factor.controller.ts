import { Body, Controller, Get, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Clock } from '../../../common/clock/clock';
import { FormView } from '../../../common/decorators/form-view.decorator';
import { clientIp } from '../../../common/http/request-info';
import { UsersService } from '../../../users/users.service';
import { Public } from '../../decorators/public.decorator';
import { startUserSession } from '../../session/session-lifecycle';
import { TwoFactorCodeDto } from '../dto/two-factor-forms.dto';
import { currentHalfLogin, dropHalfLogin } from '../half-login';
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
  ) {}

  @Public()
  @Get()
  show(@Req() req: Request, @Res() res: Response): void {
    if (!currentHalfLogin(req, this.clock.now())) {
      res.redirect(303, '/login');
      return;
    }
    res.render(PAGE, { pageTitle: 'Two-factor login' });
  }

  @Public()
  @Post()
  @FormView(PAGE)
  async complete(@Body() body: TwoFactorCodeDto, @Req() req: Request, @Res() res: Response): Promise<void> {
    const half = currentHalfLogin(req, this.clock.now());
    const user = half && (await this.users.findById(half.userId));
    if (!half || !user || user.disabled || user.sessionVersion !== half.sessionVersion) {
      dropHalfLogin(req);
      res.redirect(303, '/login');
      return;
    }
    const ip = clientIp(req);
    const method = await this.twoFactor.verifySecondFactor(user, body.code, ip);
    await this.twoFactor.completeLogin(user, method, ip);
    await startUserSession(req, user, this.clock.now());
    res.redirect(303, half.next);
  }
}
