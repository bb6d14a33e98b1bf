import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApiTokensService } from '../../api-tokens/api-tokens.service';
import { FormView } from '../../common/decorators/form-view.decorator';
import { clientIp, linkOrigin } from '../../common/http/request-info';
import { AppConfig } from '../../config/app-config';
import { User } from '../../users/user.model';
import { CurrentUser } from '../decorators/current-user.decorator';
import { CreateApiTokenDto } from '../dto/api-token-forms.dto';
import { AccountPageLocals } from './account-page.locals';

/**
 * Personal API tokens on /account (SPEC §5.2), session + CSRF like every form. Creating answers with
 * its own page (200, no-store) showing the token once, instead of flash + 303: the token must not rest
 * in the session file (SPEC §7), and it is stored nowhere else but as its SHA-256.
 */
@Controller('account/tokens')
export class AccountTokensController {
  constructor(
    private readonly tokens: ApiTokensService,
    private readonly config: AppConfig,
  ) {}

  @Post()
  @FormView('account/index', AccountPageLocals)
  async create(
    @Body() body: CreateApiTokenDto,
    @CurrentUser() user: User,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const { secret, token } = await this.tokens.create(
      user,
      { name: body.name, expiresInDays: body.expiresInDays },
      clientIp(req),
    );
    res.setHeader('Cache-Control', 'no-store');
    res.status(200).render('account/token-created', {
      pageTitle: 'Your new API token',
      secret,
      token,
      origin: linkOrigin(req, this.config.publicUrl, `${this.config.host}:${this.config.port}`),
    });
  }

  @Post(':id/revoke')
  async revoke(@Param('id') id: string, @CurrentUser() user: User, @Req() req: Request, @Res() res: Response) {
    await this.tokens.revoke(user, id, clientIp(req));
    res.redirect(303, '/account?revoked=1#api-tokens');
  }
}
