import { DynamoTaskTokenStore, MemoryTaskTokenStore } from '../../lib/notifications';
import { startLocalDynamoDb } from '../../local/dynamodb';
import { describeTokenStoreContract } from './token-store-contract';

const PROJECT_ROOT = `${__dirname}/../..`;

describeTokenStoreContract('MemoryTaskTokenStore', async () => ({ store: new MemoryTaskTokenStore() }));

describeTokenStoreContract('DynamoTaskTokenStore on dynalite (serverless.yml JobWaitersTable)', async () => {
  const dynamo = await startLocalDynamoDb({ projectRoot: PROJECT_ROOT, stage: 'contract' });
  const tableName = dynamo.tables.get('JobWaitersTable');
  if (tableName === undefined) throw new Error('serverless.yml declares no JobWaitersTable');
  const client = dynamo.client();
  let queries = 0;
  client.middlewareStack.add(
    (next, context) => (args) => {
      if (context.commandName === 'QueryCommand') queries += 1;
      return next(args);
    },
    { step: 'initialize' },
  );
  return {
    queries: () => queries,
    store: new DynamoTaskTokenStore({ client, tableName }),
    missingTable: new DynamoTaskTokenStore({ client, tableName: 'no-such-table' }),
    close: () => dynamo.close(),
  };
});
