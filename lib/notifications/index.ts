export * from './memory-waiters';
export * from './waiters';
