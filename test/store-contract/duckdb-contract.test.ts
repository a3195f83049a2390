import { DuckDbBackend } from '../../src/store/duckdb-backend.ts';
import { openTempStore } from '../temp-store.ts';
import { describeStoreContract } from './describe-store-contract.ts';

describeStoreContract('duckdb', async () => {
  const store = await openTempStore();
  return { backend: new DuckDbBackend(store), dispose: () => store.dispose() };
});
