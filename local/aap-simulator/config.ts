import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import {
  DEFAULT_PLAYBOOK_GENERATION,
  type PlaybookGeneration,
  PlaybookGeneration as PlaybookGenerationSchema,
} from './schemas';
import { describeIssue } from './templates';

const SimulatorEnv = z.object({
  AAP_SIM_PORT: z.coerce.number().int().min(0).max(65535).default(8043),
  AAP_SIM_HOST: z.string().min(1).default('127.0.0.1'),
  AAP_SIM_TOKEN: z.string().min(1).optional(),
  TIME_SCALE: z.coerce.number().finite().nonnegative().default(1),
  AAP_SIM_PLAYBOOKS: PlaybookGenerationSchema.default(DEFAULT_PLAYBOOK_GENERATION),
});

export interface StandaloneConfig {
  port: number;
  host: string;
  token: string;
  /** false when the token came from AAP_SIM_TOKEN: the operator already knows it and it is not printed. */
  tokenGenerated: boolean;
  timeScale: number;
  /** The playbooks both compute-instance templates run. */
  playbooks: PlaybookGeneration;
}

/** The standalone simulator's settings from the environment; a bad value is reported by variable name. */
export function readStandaloneConfig(env: NodeJS.ProcessEnv): StandaloneConfig {
  const blankAsUnset = Object.fromEntries(
    Object.entries(env).filter(
      ([key, value]) => key in SimulatorEnv.shape && value !== undefined && value.trim() !== '',
    ),
  );
  const parsed = SimulatorEnv.safeParse(blankAsUnset);
  if (!parsed.success) {
    throw new Error(`invalid AAP simulator environment: ${parsed.error.issues.map(describeIssue).join('; ')}`);
  }
  const { AAP_SIM_PORT, AAP_SIM_HOST, AAP_SIM_TOKEN, TIME_SCALE, AAP_SIM_PLAYBOOKS } = parsed.data;
  return {
    port: AAP_SIM_PORT,
    host: AAP_SIM_HOST,
    token: AAP_SIM_TOKEN ?? `aap-sim-dev-${randomBytes(16).toString('hex')}`,
    tokenGenerated: AAP_SIM_TOKEN === undefined,
    timeScale: TIME_SCALE,
    playbooks: AAP_SIM_PLAYBOOKS,
  };
}

/** What the standalone simulator prints once listening. A generated token is printed (nobody could use it
 * otherwise); a token supplied through AAP_SIM_TOKEN is a secret the operator already has, and is not. */
export function startupBanner(url: string, config: StandaloneConfig): string {
  return [
    `AAP simulator listening on ${url} (time scale ${config.timeScale}, ${config.playbooks} playbooks)`,
    `  API:   ${url}/api/v2/  and  ${url}/api/controller/v2/`,
    `  admin: ${url}/_sim/`,
    config.tokenGenerated ? `  token: ${config.token}` : '  token: the value of AAP_SIM_TOKEN',
  ].join('\n');
}
