/**
 * Imported first by bench/run.ts, before anything builds the Powertools singletons: the in-process stacks would
 * otherwise print a log line and an EMF blob per task. (The webhook and reconcile handlers run in child processes
 * with their production settings instead.)
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
