export * from './dynamo-waiters';
export * from './memory-waiters';
export * from './waiters';
