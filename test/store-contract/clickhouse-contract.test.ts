import { randomUUID } from 'node:crypto';
import { clickhouseServerBinary, startClickHouseCluster } from '../../scripts/clickhouse/cluster.ts';
import { ClickHouseBackend } from '../../src/store/clickhouse/clickhouse-backend.ts';
import { describeStoreContract } from './describe-store-contract.ts';

// CI installs clickhouse-server (.ci/run), so there this always runs; a machine without it says why it skipped.
const skip = clickhouseServerBinary() ? undefined : 'clickhouse-server is not installed (apt-get install -y clickhouse-server)';
if (skip) console.warn(`store contract on ClickHouse skipped: ${skip}`);

describeStoreContract('clickhouse (2 shards)', async () => {
  const cluster = await startClickHouseCluster({ shards: 2 });
  const backend = await ClickHouseBackend.open(cluster.urls, `contract_${randomUUID().replaceAll('-', '').slice(0, 12)}`);
  return {
    backend,
    dispose: async () => {
      await backend.close();
      await cluster.stop();
    },
  };
}, skip);
