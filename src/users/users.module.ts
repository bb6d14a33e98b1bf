import { Module } from '@nestjs/common';
import { PasswordHasher } from './passwords/password-hasher';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

/**
 * Accounts and their rules, with no HTTP: imported by auth, invites, admin, generation and the CLI
 * (which therefore needs no session secret to list or change users).
 */
@Module({
  providers: [UsersRepository, UsersService, PasswordHasher],
  exports: [UsersRepository, UsersService, PasswordHasher],
})
export class UsersModule {}
