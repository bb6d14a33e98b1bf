import { Module } from '@nestjs/common';
import { InvitesService } from './invites.service';

/** Invite codes, no HTTP. InvitesRepository comes from the global PersistenceModule. */
@Module({
  providers: [InvitesService],
  exports: [InvitesService],
})
export class InvitesModule {}
