import { Module } from '@nestjs/common';
import { FirstAdminService } from './first-admin.service';
import { PasswordHasher } from './passwords/password-hasher';
import { UsersService } from './users.service';

/**
 * Accounts and their rules, with no HTTP: imported by auth, invites, admin, generation and the CLI
 * (which therefore needs no session secret to list or change users). UsersRepository comes from the
 * global PersistenceModule (src/users/persistence/users.persistence.ts); AuditService from the global
 * AuditModule.
 */
@Module({
  providers: [UsersService, PasswordHasher, FirstAdminService],
  exports: [UsersService, PasswordHasher, FirstAdminService],
})
export class UsersModule {}
