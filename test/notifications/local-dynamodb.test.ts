import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { declaredTables, startLocalDynamoDb } from '../../local/dynamodb';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

describe('local DynamoDB (dynalite) from serverless.yml', () => {
  it("declares the job waiters table with the stage's name and the data-shaping properties only", () => {
    expect(declaredTables({ projectRoot: PROJECT_ROOT, stage: 'qa' })).toEqual([
      {
        logicalId: 'JobWaitersTable',
        input: {
          TableName: 'cloudkit-provisioner-qa-job-waiters',
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: 'job', AttributeType: 'S' },
            { AttributeName: 'execution', AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: 'job', KeyType: 'HASH' },
            { AttributeName: 'execution', KeyType: 'RANGE' },
          ],
        },
      },
    ]);
  });

  it('refuses a table name it cannot compute locally, naming the resource', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cloudkit-dynamo-'));
    try {
      writeFileSync(
        path.join(dir, 'serverless.yml'),
        [
          'service: s',
          'resources:',
          '  Resources:',
          '    Waiters:',
          '      Type: AWS::DynamoDB::Table',
          '      Properties:',
          '        TableName: !Ref WaitersName',
        ].join('\n'),
      );
      expect(() => declaredTables({ projectRoot: dir, stage: 'x' })).toThrow(
        /resources\.Resources\.Waiters\.Properties\.TableName must be a plain name/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serves the tables on a free port and closes at once, with a client still connected', async () => {
    const dynamo = await startLocalDynamoDb({ projectRoot: PROJECT_ROOT, stage: 'closing' });
    const listed = await dynamo.client().send(new ListTablesCommand({}));
    expect(listed.TableNames).toEqual(['cloudkit-provisioner-closing-job-waiters']);
    const started = Date.now();
    await dynamo.close();
    expect(Date.now() - started).toBeLessThan(5_000);
    await expect(dynamo.close()).resolves.toBeUndefined();
  });
});
