import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CurrentUser } from '../auth/decorators/current-user.decorator';
import { Roles } from '../auth/decorators/roles.decorator';
import { User } from '../users/user.model';
import { FormView } from '../common/decorators/form-view.decorator';
import { clientIp, linkOrigin } from '../common/http/request-info';
import { AppConfig } from '../config/app-config';
import { actorOf } from './actor';
import { setAdminFlash, takeAdminFlash } from './admin-flash';
import { AdminPanelLocals } from './admin-panel.locals';
import { AdminService, inviteLink } from './admin.service';
import { DeleteUserDto, MintInviteDto, SetRoleDto } from './dto/admin-forms.dto';

const PANEL = 'admin/panel';
const CONFIRMED = new Set(['yes', 'on', 'true', '1']);

/**
 * The admin panel (SPEC §4). Admin only, except GET /admin and POST /admin/bootstrap, which any
 * logged-in user reaches while §6.2 applies. Every successful POST answers 303 to /admin, except the
 * reset link, which its own answer shows (no one-time secret rests in the session, SPEC §7); a refused
 * one re-renders the panel with the message (status 400/404/409).
 */
@Controller('admin')
@Roles('admin')
export class AdminController {
  constructor(
    private readonly admin: AdminService,
    private readonly panelLocals: AdminPanelLocals,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @Roles('admin', 'user')
  async panel(@CurrentUser() user: User, @Req() req: Request, @Res() res: Response): Promise<void> {
    const flash = await takeAdminFlash(req);
    if (user.role === 'admin') {
      res.render(PANEL, { ...(await this.panelLocals.load(req)), flash });
      return;
    }
    const bootstrap = await this.admin.bootstrapPage(!!flash.bootstrapped);
    res.render('admin/bootstrap', { pageTitle: 'Create the admin account', bootstrap, flash });
  }

  @Post('bootstrap')
  @Roles('admin', 'user')
  async bootstrap(@CurrentUser() user: User, @Req() req: Request, @Res() res: Response): Promise<void> {
    const created = await this.admin.bootstrap(user, clientIp(req));
    await setAdminFlash(req, { bootstrapped: created.username });
    res.redirect(303, '/admin');
  }

  @Get('users.json')
  async exportUsers(@CurrentUser() user: User, @Req() req: Request, @Res() res: Response): Promise<void> {
    const body = await this.admin.exportUsers(actorOf(user), clientIp(req));
    res.attachment(`gatehouse-users-${body.exported_at.slice(0, 10)}.json`);
    res.type('application/json').send(JSON.stringify(body, null, 2));
  }

  @Post('invites')
  @FormView(PANEL, AdminPanelLocals)
  async mint(@Body() body: MintInviteDto, @CurrentUser() user: User, @Req() req: Request, @Res() res: Response) {
    const invite = await this.admin.mintInvite(actorOf(user), body, clientIp(req));
    const link = inviteLink(this.origin(req), invite.code);
    await setAdminFlash(req, {
      invite: { code: invite.code, link, role: invite.role, maxUses: invite.maxUses, expiresAt: invite.expiresAt },
    });
    res.redirect(303, '/admin');
  }

  @Post('invites/:code/revoke')
  @FormView(PANEL, AdminPanelLocals)
  async revoke(@Param('code') code: string, @CurrentUser() user: User, @Req() req: Request, @Res() res: Response) {
    const invite = await this.admin.revokeInvite(actorOf(user), code, clientIp(req));
    await this.done(req, res, `Invite ${invite.code.slice(0, 4)}… was revoked.`);
  }

  @Post('users/:username/disable')
  @FormView(PANEL, AdminPanelLocals)
  async disable(@Param('username') name: string, @CurrentUser() user: User, @Req() req: Request, @Res() res: Response) {
    const target = await this.admin.disableUser(actorOf(user), name, clientIp(req));
    await this.done(req, res, `${target.username} was disabled and signed out everywhere.`);
  }

  @Post('users/:username/enable')
  @FormView(PANEL, AdminPanelLocals)
  async enable(@Param('username') name: string, @CurrentUser() user: User, @Req() req: Request, @Res() res: Response) {
    const target = await this.admin.enableUser(actorOf(user), name, clientIp(req));
    await this.done(req, res, `${target.username} was enabled.`);
  }

  @Post('users/:username/role')
  @FormView(PANEL, AdminPanelLocals)
  async role(
    @Param('username') name: string,
    @Body() body: SetRoleDto,
    @CurrentUser() user: User,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const target = await this.admin.setRole(actorOf(user), name, body.role, clientIp(req));
    await this.done(req, res, `${target.username} is now ${target.role === 'admin' ? 'an admin' : 'a user'}.`);
  }

  @Post('users/:username/delete')
  @FormView(PANEL, AdminPanelLocals)
  async delete(
    @Param('username') name: string,
    @Body() body: DeleteUserDto,
    @CurrentUser() user: User,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const confirmed = CONFIRMED.has((body.confirm ?? '').toLowerCase());
    const target = await this.admin.deleteUser(actorOf(user), name, confirmed, clientIp(req));
    await this.done(req, res, `${target.username} was deleted.`);
  }

  @Post('users/:username/sessions/revoke')
  @FormView(PANEL, AdminPanelLocals)
  async endSessions(
    @Param('username') name: string,
    @CurrentUser() user: User,
    @Req() req: Request,
    @Res() res: Response,
  ) {
    const target = await this.admin.endSessions(actorOf(user), name, clientIp(req));
    await this.done(req, res, `${target.username} was signed out everywhere.`);
  }

  /**
   * Shows the one-time link on this POST's own answer (200, no-store) instead of flash + 303: a flash
   * would keep the raw token in sessions.json until the admin's next page, and SPEC §7 wants no
   * one-time secret in any file, not even between its creation and the page that shows it. Reloading
   * re-posts (the browser asks first) and makes a new link, which kills this one.
   */
  @Post('users/:username/reset')
  @FormView(PANEL, AdminPanelLocals)
  async reset(@Param('username') name: string, @CurrentUser() user: User, @Req() req: Request, @Res() res: Response) {
    const { user: target, path } = await this.admin.createResetLink(actorOf(user), name, clientIp(req));
    res.setHeader('Cache-Control', 'no-store');
    res.status(200).render('admin/reset-link', {
      pageTitle: `Reset link for ${target.username}`,
      username: target.username,
      link: `${this.origin(req)}${path}`,
    });
  }

  private async done(req: Request, res: Response, notice: string): Promise<void> {
    await setAdminFlash(req, { notice });
    res.redirect(303, '/admin');
  }

  private origin(req: Request): string {
    return linkOrigin(req, this.config.publicUrl, `${this.config.host}:${this.config.port}`);
  }
}
