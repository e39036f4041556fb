export * from './executions';
export * from './names';
export * from './task-tokens';
