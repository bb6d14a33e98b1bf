import { Module } from '@nestjs/common';
import { ApiTokensModule } from '../api-tokens/api-tokens.module';
import { PasswordResetModule } from '../auth/reset/password-reset.module';
import { TwoFactorModule } from '../auth/two-factor/two-factor.module';
import { InvitesModule } from '../invites/invites.module';
import { UsersModule } from '../users/users.module';
import { AdminPanelLocals } from './admin-panel.locals';
import { AdminController } from './admin.controller';
import { AdminTwoFactorController } from './admin-two-factor.controller';
import { AdminService } from './admin.service';

/**
 * The admin panel (SPEC §4 admin routes, §6.2). AdminService is shared with the CLI, so this module
 * needs no AuthModule (no sessions; TwoFactorModule reads the session secret only to seal or open a TOTP secret): the global guards protect its controller.
 */
@Module({
  imports: [UsersModule, InvitesModule, PasswordResetModule, TwoFactorModule, ApiTokensModule],
  controllers: [AdminController, AdminTwoFactorController],
  providers: [AdminService, AdminPanelLocals],
  exports: [AdminService],
})
export class AdminModule {}
