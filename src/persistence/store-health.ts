/**
 * Whether the store can be read and written right now (SPEC §10, `GET /healthz`): files mode probes a
 * write under DATA_DIR, postgres mode runs a query. Never throws and never hangs.
 */
export abstract class StoreHealth {
  abstract healthy(): Promise<boolean>;
}
