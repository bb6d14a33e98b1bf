import { Module } from '@nestjs/common';
import { SessionSecretService } from './session-secret.service';

/**
 * The session secret, with no HTTP. Loaded (or generated into the store: DATA_DIR/.session-secret or
 * the database) only when the web app initialises its sessions, so a module that imports it but never
 * asks for the secret (the CLI's reset-2fa) writes nothing.
 */
@Module({
  providers: [SessionSecretService],
  exports: [SessionSecretService],
})
export class SessionSecretModule {}
