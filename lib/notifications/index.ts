export * from './dynamo-waiters';
export * from './memory-waiters';
export * from './notification-token';
export * from './receiver';
export * from './receiver-context';
export * from './receiver-settings';
export * from './waiters';
