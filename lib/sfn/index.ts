export * from './executions';
export * from './names';
