import { Injectable } from '@nestjs/common';
import { InstanceSecretName, InstanceSecrets } from '../../instance-secrets';

/** Secrets in a Map: for unit tests; passes the same contract as the files and the database. */
@Injectable()
export class MemoryInstanceSecrets extends InstanceSecrets {
  private readonly values = new Map<InstanceSecretName, string>();

  getOrCreate(name: InstanceSecretName, candidate: () => string): Promise<string> {
    if (!this.values.has(name)) this.values.set(name, candidate());
    return Promise.resolve(this.values.get(name) as string);
  }
}
