import { z } from 'zod';
import type { LoadHandler } from './lambda-runtime';

export const SfnEngineOptionsSchema = z.object({
  /** Directory handler paths (`functions/instance.fetch`) are relative to. */
  projectRoot: z.string().min(1),
  /** Relative to projectRoot; `${file(...)}` references are relative to this file's directory. */
  serverlessFile: z.string().min(1).default('serverless.yml'),
  stage: z
    .string()
    .regex(/^[A-Za-z0-9-]+$/, 'stage may hold letters, digits and dashes')
    .default('local'),
  port: z.number().int().min(0).max(65535).default(0),
  host: z.string().min(1).default('127.0.0.1'),
  /** Multiplies Wait and Retry pauses (0.01: a 300 s Wait takes 3 s); history still shows the unscaled time. */
  timeScale: z.number().positive().default(1),
  region: z
    .string()
    .regex(/^[a-z0-9-]+$/, 'region looks like us-east-1')
    .default('us-east-1'),
  accountId: z
    .string()
    .regex(/^\d{12}$/, 'accountId is 12 digits')
    .default('000000000000'),
  /** Replaces the default `require`-based loader; receives the absolute module path and the export name. */
  loadHandler: z
    .custom<LoadHandler>((value) => typeof value === 'function', 'loadHandler must be a function')
    .optional(),
  /** Overrides every function's serverless.yml timeout, in wall-clock milliseconds. */
  invocationTimeoutMs: z.number().int().positive().optional(),
});

export type SfnEngineOptions = z.input<typeof SfnEngineOptionsSchema>;
