import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { isApiRequest } from '../../common/http/request-info';
import { AppConfig } from '../../config/app-config';
import { ALLOWED_BEFORE_TWO_FACTOR_KEY } from './allowed-before-two-factor.decorator';
import { TwoFactorRepository } from './two-factor.repository';

export const ENROL_PATH = '/account/2fa';

/**
 * REQUIRE_ADMIN_2FA (SPEC §3, §5.1) — the one place it is enforced: a logged-in admin without
 * two-factor login reaches only the routes marked @AllowedBeforeTwoFactor() (enrolment, logout). Pages
 * answer 303 to /account/2fa (sent here: a guard cannot hand Nest a redirect, and the filter skips a
 * response already sent); /api answers 403 JSON.
 */
@Injectable()
export class RequireAdminTwoFactorGuard implements CanActivate {
  constructor(
    private readonly config: AppConfig,
    private readonly reflector: Reflector,
    private readonly twoFactor: TwoFactorRepository,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!this.config.requireAdmin2fa) return true;
    const req = context.switchToHttp().getRequest<Request>();
    if (req.user?.role !== 'admin') return true;
    const allowed = this.reflector.getAllAndOverride<boolean>(ALLOWED_BEFORE_TWO_FACTOR_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (allowed || (await this.twoFactor.find(req.user.id))?.enrolment) return true;
    if (isApiRequest(req)) throw new ForbiddenException('Admins must turn on two-factor login first (/account/2fa).');
    context.switchToHttp().getResponse<Response>().redirect(303, ENROL_PATH);
    return false;
  }
}
