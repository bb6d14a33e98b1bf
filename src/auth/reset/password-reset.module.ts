import { Module } from '@nestjs/common';
import { UsersModule } from '../../users/users.module';
import { PasswordResetService } from './password-reset.service';

/**
 * One-time reset links, with no HTTP: the admin panel and the CLI make them, AuthModule's controller
 * redeems them. ResetTokensRepository comes from the global PersistenceModule.
 */
@Module({
  imports: [UsersModule],
  providers: [PasswordResetService],
  exports: [PasswordResetService],
})
export class PasswordResetModule {}
