import { Body, Controller, Get, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { FormView } from '../../../common/decorators/form-view.decorator';
import { clientIp } from '../../../common/http/request-info';
import { User } from '../../../users/user.model';
import { CurrentUser } from '../../decorators/current-user.decorator';
import { AllowedBeforeTwoFactor } from '../allowed-before-two-factor.decorator';
import { DisableTwoFactorDto, TwoFactorCodeDto } from '../dto/two-factor-forms.dto';
import { TwoFactorPageLocals } from '../two-factor-page.locals';
import { TwoFactorService } from '../two-factor.service';

const PAGE = 'account/two-factor';

/**
 * /account/2fa (SPEC §5.1). Setup and enable answer with their own page (200, no-store) instead of
 * flash + 303: the secret and the recovery codes must not rest in the session file (SPEC §7).
 */
@Controller('account/2fa')
export class AccountTwoFactorController {
  constructor(
    private readonly twoFactor: TwoFactorService,
    private readonly page: TwoFactorPageLocals,
  ) {}

  @Get()
  @AllowedBeforeTwoFactor()
  async show(@Req() req: Request, @Res() res: Response): Promise<void> {
    res.render(PAGE, await this.page.load(req));
  }

  @Post('setup')
  @AllowedBeforeTwoFactor()
  @FormView(PAGE, TwoFactorPageLocals)
  async setup(@CurrentUser() user: User, @Req() req: Request, @Res() res: Response): Promise<void> {
    await this.twoFactor.beginSetup(user);
    res.setHeader('Cache-Control', 'no-store');
    res.status(200).render(PAGE, await this.page.load(req));
  }

  @Post('enable')
  @AllowedBeforeTwoFactor()
  @FormView(PAGE, TwoFactorPageLocals)
  async enable(
    @Body() body: TwoFactorCodeDto,
    @CurrentUser() user: User,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const codes = await this.twoFactor.enable(user, body.code, clientIp(req));
    res.setHeader('Cache-Control', 'no-store');
    res.status(200).render('account/recovery-codes', { pageTitle: 'Your recovery codes', codes });
  }

  @Post('disable')
  @FormView(PAGE, TwoFactorPageLocals)
  async disable(
    @Body() body: DisableTwoFactorDto,
    @CurrentUser() user: User,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.twoFactor.disable(user, body.currentPassword, body.code, clientIp(req));
    res.redirect(303, '/account/2fa?off=1');
  }
}
