import { Session } from 'node:inspector/promises';
import * as z from 'zod';

/**
 * Where a process spent its time, from a V8 CPU profile: self time per function
 * (bundles built with keepNames, so functions keep the names they have in the source). `(idle)` is time spent
 * waiting on I/O, `(garbage collector)` and `(program)` are V8's own.
 */
const CallFrame = z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() });
export const CpuProfile = z.object({
  nodes: z.array(z.object({ id: z.number(), callFrame: CallFrame })),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});
export type CpuProfile = z.infer<typeof CpuProfile>;

export interface SelfTime {
  /** `fnv1a64Hex`, `(garbage collector)`, `readFileSync (node:fs)`; anonymous functions by their place. */
  name: string;
  selfMs: number;
  /** Of all sampled time (idle included, the profiler's own left out). */
  share: number;
}

function nameOf(frame: z.infer<typeof CallFrame>): string {
  if (frame.functionName.startsWith('(')) return frame.functionName;
  const where = frame.url.startsWith('node:') ? ` (${frame.url})` : '';
  if (frame.functionName !== '') return `${frame.functionName}${where}`;
  // No file: code made at run time with new Function (zod compiles its object parsers that way).
  if (frame.url === '') return '(anonymous, generated at run time)';
  return `(anonymous) ${frame.url.split('/').at(-1)}:${frame.lineNumber + 1}`;
}

/** The profiler's own frames (stopping it) are not the profiled code's time. */
const isProfilerFrame = (frame: z.infer<typeof CallFrame>) => frame.url === 'node:inspector';

/** The `top` functions by self time; functions of one name are summed (V8 keeps one node per call path). */
export function selfTimes(profile: CpuProfile, top: number): SelfTime[] {
  const perNode = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    perNode.set(id, (perNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const perName = new Map<string, number>();
  for (const node of profile.nodes) {
    const micros = perNode.get(node.id);
    if (micros === undefined || isProfilerFrame(node.callFrame)) continue;
    const name = nameOf(node.callFrame);
    perName.set(name, (perName.get(name) ?? 0) + micros);
  }
  const total = [...perName.values()].reduce((sum, micros) => sum + micros, 0);
  return [...perName.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, micros]) => ({ name, selfMs: micros / 1000, share: total === 0 ? 0 : micros / total }));
}

/**
 * Profiles this process while `task` runs (V8's sampling profiler through the inspector, so start-up and
 * warm-up stay out of it). Used inside the benchmark's child processes.
 */
export async function profileWhile<T>(task: () => Promise<T>): Promise<{ result: T; profile: CpuProfile }> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    const result = await task();
    const { profile } = await session.post('Profiler.stop');
    return { result, profile: CpuProfile.parse(profile) };
  } finally {
    session.disconnect();
  }
}
