import { Global, Module } from '@nestjs/common';
import { JsonStore } from './json-store.service';
import { JsonStoreHealth } from './json-store-health';
import { JsonUnitOfWork } from './json-unit-of-work';

@Global()
@Module({
  providers: [JsonStore, JsonStoreHealth, JsonUnitOfWork],
  exports: [JsonStore, JsonStoreHealth, JsonUnitOfWork],
})
export class JsonStoreModule {}
