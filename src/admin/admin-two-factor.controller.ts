import { Body, Controller, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CurrentUser } from '../auth/decorators/current-user.decorator';
import { Roles } from '../auth/decorators/roles.decorator';
import { AdminResetTwoFactorDto } from '../auth/two-factor/dto/two-factor-forms.dto';
import { FormView } from '../common/decorators/form-view.decorator';
import { clientIp } from '../common/http/request-info';
import { User } from '../users/user.model';
import { actorOf } from './actor';
import { setAdminFlash } from './admin-flash';
import { AdminPanelLocals } from './admin-panel.locals';
import { AdminService } from './admin.service';

/** POST /admin/users/<u>/2fa/reset (SPEC §5.1): the panel's two-factor reset. */
@Controller('admin/users/:username/2fa')
@Roles('admin')
export class AdminTwoFactorController {
  constructor(private readonly admin: AdminService) {}

  @Post('reset')
  @FormView('admin/panel', AdminPanelLocals)
  async reset(
    @Param('username') name: string,
    @Body() body: AdminResetTwoFactorDto,
    @CurrentUser() user: User,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const target = await this.admin.resetTwoFactor(actorOf(user), name, clientIp(req), body.code);
    // Your own reset ends your other sessions, not this one (as a password change does).
    if (target.id === user.id) req.session.sessionVersion = target.sessionVersion;
    await setAdminFlash(req, {
      notice: `Two-factor login of ${target.username} was reset; they were signed out everywhere.`,
    });
    res.redirect(303, '/admin');
  }
}
