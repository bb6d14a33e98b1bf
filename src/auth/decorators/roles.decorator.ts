import { SetMetadata } from '@nestjs/common';
import { Role } from '../../users/user.model';

export const ROLES_KEY = 'gatehouse:roles';

/** Restricts a handler or controller to these roles (checked by RolesGuard after AuthenticationGuard). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);
