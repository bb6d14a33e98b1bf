import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { UnauthenticatedError } from '../../common/errors/unauthenticated.error';
import { ROLES_KEY } from '../decorators/roles.decorator';
import { Role } from '../../users/user.model';

/** Enforces @Roles(...) after AuthenticationGuard; a wrong role gets the 403 page. */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!roles || roles.length === 0) return true;
    const user = context.switchToHttp().getRequest<Request>().user;
    if (!user) throw new UnauthenticatedError();
    if (!roles.includes(user.role)) throw new ForbiddenException('You do not have access to this page.');
    return true;
  }
}
