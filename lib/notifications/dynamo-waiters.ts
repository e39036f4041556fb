import type * as DynamoDb from '@aws-sdk/client-dynamodb';
import type { AapJobRef } from '../aap/schemas';
import { deadlineSignal } from '../runtime/deadline';
import { type ArmOutcome, JobWaiter, jobKey, type TaskTokenStore } from './waiters';

/**
 * The DynamoDB SDK, required at its first use: the receiver answers AAP within milliseconds and pays the SDK's load
 * only once, on its first notification (as lib/sfn/sdk.ts does for Step Functions).
 */
function dynamoSdk(): typeof DynamoDb {
  return require('@aws-sdk/client-dynamodb') as typeof DynamoDb;
}

/**
 * The task-token table: partition key `job` (`<kind>:<id>`), sort key `execution` (the waiting execution's ARN),
 * attributes `kind`, `id`, `token`, `armedAt`, and `expiresAt` (the table's TTL attribute). Layout declared in
 * serverless.yml (resource JobWaitersTable); the local stack creates it from there.
 */
export class DynamoTaskTokenStore implements TaskTokenStore {
  constructor(private readonly options: { client: DynamoDb.DynamoDBClient; tableName: string }) {}

  async arm(waiter: JobWaiter): Promise<ArmOutcome> {
    const w = JobWaiter.parse(waiter);
    const { PutItemCommand, ConditionalCheckFailedException } = dynamoSdk();
    try {
      await this.options.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: {
            job: { S: jobKey(w.job) },
            execution: { S: w.execution },
            kind: { S: w.job.kind },
            id: { N: String(w.job.id) },
            token: { S: w.token },
            armedAt: { N: String(w.armedAt) },
            expiresAt: { N: String(w.expiresAt) },
          },
          // A retried, older arm of the same execution must not overwrite the token of a newer one.
          ConditionExpression: 'attribute_not_exists(#job) OR armedAt <= :armedAt',
          ExpressionAttributeNames: { '#job': 'job' },
          ExpressionAttributeValues: { ':armedAt': { N: String(w.armedAt) } },
        }),
        inBudget(),
      );
      return 'armed';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'superseded';
      throw this.explained(error);
    }
  }

  async waitersFor(job: AapJobRef, nowMs: number): Promise<JobWaiter[]> {
    const { QueryCommand } = dynamoSdk();
    const waiters: JobWaiter[] = [];
    let startKey: Record<string, DynamoDb.AttributeValue> | undefined;
    do {
      const page = await this.options.client
        .send(
          new QueryCommand({
            TableName: this.options.tableName,
            KeyConditionExpression: '#job = :job',
            // TTL deletes lazily (within days): an expired waiter still in the table is not one.
            FilterExpression: 'expiresAt > :now',
            ExpressionAttributeNames: { '#job': 'job' },
            ExpressionAttributeValues: { ':job': { S: jobKey(job) }, ':now': { N: String(Math.floor(nowMs / 1000)) } },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
          inBudget(),
        )
        .catch((error: unknown) => {
          throw this.explained(error);
        });
      for (const item of page.Items ?? []) {
        const parsed = JobWaiter.safeParse({
          job: { kind: item.kind?.S, id: Number(item.id?.N) },
          execution: item.execution?.S,
          token: item.token?.S,
          armedAt: Number(item.armedAt?.N),
          expiresAt: Number(item.expiresAt?.N),
        });
        // Not ours to read (written by hand or another version): no token to resume, nothing to fail over.
        if (parsed.success) waiters.push(parsed.data);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return waiters;
  }

  async disarm(waiter: Pick<JobWaiter, 'job' | 'execution' | 'token'>): Promise<void> {
    const { DeleteItemCommand, ConditionalCheckFailedException } = dynamoSdk();
    try {
      await this.options.client.send(
        new DeleteItemCommand({
          TableName: this.options.tableName,
          Key: { job: { S: jobKey(waiter.job) }, execution: { S: waiter.execution } },
          // A newer arm of the same execution stays.
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: { ':token': { S: waiter.token } },
        }),
        inBudget(),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw this.explained(error);
    }
  }

  /** DynamoDB says only "Requested resource not found": name the table and where its name comes from. */
  private explained(error: unknown): unknown {
    if ((error as { name?: unknown }).name !== 'ResourceNotFoundException') return error;
    return new JobWaitersTableMissing(this.options.tableName);
  }
}

/** The task-token table does not exist (in this account and region): a deployment or JOB_WAITERS_TABLE error. */
export class JobWaitersTableMissing extends Error {
  override readonly name = 'JobWaitersTableMissing';
  constructor(readonly tableName: string) {
    super(
      `the job waiters table ${tableName} does not exist: check JOB_WAITERS_TABLE and that the stack created ` +
        'serverless.yml resource JobWaitersTable',
    );
  }
}

/** Cut off at the invocation's deadline, like every other call (lib/runtime/deadline.ts). */
function inBudget(): { abortSignal?: AbortSignal } {
  const abortSignal = deadlineSignal();
  return abortSignal ? { abortSignal } : {};
}
