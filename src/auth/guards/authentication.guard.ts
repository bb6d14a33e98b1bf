import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { UnauthenticatedError } from '../../common/errors/unauthenticated.error';
import { AuthService } from '../auth.service';
import { attachAuthContext } from './attach-auth-context';
import { IS_PUBLIC_KEY } from '../decorators/public.decorator';

/**
 * The single authentication point, first of the global guards: asks AuthService who the request is
 * (on every request, public routes included, so pages know who is looking), attaches the answer
 * (`req.auth`, `req.user` for @CurrentUser, the views' `currentUser`), then applies default deny: a
 * route without @Public() needs a fully logged-in user.
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const auth = await this.auth.authenticate(req);
    attachAuthContext(req, res, auth);
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    if (auth && !auth.mfaPending) return true;
    throw new UnauthenticatedError();
  }
}
