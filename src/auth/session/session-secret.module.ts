import { Module } from '@nestjs/common';
import { SessionSecretService } from './session-secret.service';

/**
 * The session secret, with no HTTP. Read (or generated into DATA_DIR/.session-secret) on first use
 * only, so a module that imports it but never asks for the secret (the CLI's reset-2fa) writes nothing.
 */
@Module({
  providers: [SessionSecretService],
  exports: [SessionSecretService],
})
export class SessionSecretModule {}
