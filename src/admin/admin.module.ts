import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { InvitesModule } from '../invites/invites.module';
import { AdminPanelLocals } from './admin-panel.locals';
import { AdminController } from './admin.controller';
import { AdminTwoFactorController } from './admin-two-factor.controller';
import { AdminService } from './admin.service';

/** The admin panel (SPEC §4 admin routes, §6.2). AdminService is shared with the CLI. */
@Module({
  imports: [AuthModule, InvitesModule],
  controllers: [AdminController, AdminTwoFactorController],
  providers: [AdminService, AdminPanelLocals],
  exports: [AdminService],
})
export class AdminModule {}
