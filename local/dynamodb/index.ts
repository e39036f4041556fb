import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DeclaredTable, declaredTables, type TableDeclarationOptions } from './tables';

export { type DeclaredTable, declaredTables, type TableDeclarationOptions } from './tables';

/**
 * DynamoDB for the local stack: dynalite (in memory, validating requests as DynamoDB does) on a port of its own,
 * holding every table serverless.yml declares.
 */
export interface LocalDynamoDb {
  readonly endpoint: string;
  /** Table name by logical id (`JobWaitersTable` → `cloudkit-provisioner-local-job-waiters`). */
  readonly tables: ReadonlyMap<string, string>;
  /** A client for this endpoint (tests: inspect or seed a table). */
  client(): DynamoDBClient;
  close(): Promise<void>;
}

export interface LocalDynamoDbOptions extends TableDeclarationOptions {
  /** 0 (default): any free port. */
  readonly port?: number;
  /** Tables to create instead of serverless.yml's (tests). */
  readonly tables?: readonly DeclaredTable[];
}

type Dynalite = (options: { createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;

export async function startLocalDynamoDb(options: LocalDynamoDbOptions): Promise<LocalDynamoDb> {
  const tables = options.tables ?? declaredTables(options);
  const dynalite = require('dynalite') as Dynalite;
  // Tables are ACTIVE at once: nothing waits for CREATING locally.
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { CreateTableCommand, DynamoDBClient } =
    require('@aws-sdk/client-dynamodb') as typeof import('@aws-sdk/client-dynamodb');
  const clients: DynamoDBClient[] = [];
  const client = () => {
    // dynalite accepts any credentials; the SDK insists on having some.
    const created = new DynamoDBClient({
      endpoint,
      region: options.region ?? 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    clients.push(created);
    return created;
  };
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      for (const created of clients) created.destroy();
      // Keep-alive connections (the SDK's) would hold close() open: end them first.
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    })();
    return closing;
  };
  try {
    const admin = client();
    for (const table of tables) await admin.send(new CreateTableCommand(table.input));
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
  return {
    endpoint,
    tables: new Map(tables.map((t) => [t.logicalId, t.input.TableName as string])),
    client,
    close,
  };
}
