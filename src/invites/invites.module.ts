import { Module } from '@nestjs/common';
import { InvitesRepository } from './invites.repository';
import { InvitesService } from './invites.service';

@Module({
  providers: [InvitesRepository, InvitesService],
  exports: [InvitesService],
})
export class InvitesModule {}
