import { SetMetadata } from '@nestjs/common';

export const ALLOWED_BEFORE_TWO_FACTOR_KEY = 'gatehouse:allowed-before-two-factor';

/**
 * A route an admin may use before enrolling in two-factor login while REQUIRE_ADMIN_2FA is on: the
 * enrolment pages and logout (RequireAdminTwoFactorGuard sends them to /account/2fa from anywhere else).
 */
export const AllowedBeforeTwoFactor = () => SetMetadata(ALLOWED_BEFORE_TWO_FACTOR_KEY, true);
