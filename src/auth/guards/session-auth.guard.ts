import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { UnauthenticatedError } from '../../common/errors/unauthenticated.error';
import { IS_PUBLIC_KEY } from '../decorators/public.decorator';

/** Default deny: a route without @Public() needs a logged-in user (resolved by SessionUserMiddleware). */
@Injectable()
export class SessionAuthGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    if (context.switchToHttp().getRequest<Request>().user) return true;
    throw new UnauthenticatedError();
  }
}
