import { Module } from '@nestjs/common';
import { ThrottlingModule } from '../auth/throttling/throttling.module';
import { ApiTokensService } from './api-tokens.service';
import { BearerAuthenticator } from './bearer-authenticator';

/**
 * Personal API tokens (SPEC §5.2), with no HTTP of its own: the service (used by /account, the admin
 * actions and the CLI's disable) and the bearer method of the authentication point (used by
 * AuthService). ApiTokensRepository comes from the global PersistenceModule.
 */
@Module({
  imports: [ThrottlingModule],
  providers: [ApiTokensService, BearerAuthenticator],
  exports: [ApiTokensService, BearerAuthenticator],
})
export class ApiTokensModule {}
