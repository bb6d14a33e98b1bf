import { Global, Module } from '@nestjs/common';
import { JsonStore } from './json-store.service';
import { StoreHealth } from './store-health.service';

@Global()
@Module({
  providers: [JsonStore, StoreHealth],
  exports: [JsonStore, StoreHealth],
})
export class StorageModule {}
