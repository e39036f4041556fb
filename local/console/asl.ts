import { z } from 'zod';

/**
 * The part of an Amazon States Language definition the console draws: states, their types and every way control
 * can move on (Next, Choices, Default, Catch, End). Everything else is kept but not read.
 */

export const StateType = z.enum(['Task', 'Parallel', 'Map', 'Pass', 'Wait', 'Choice', 'Succeed', 'Fail']);
export type StateType = z.infer<typeof StateType>;

const StateName = z.string().min(1);

const Catcher = z.looseObject({ ErrorEquals: z.array(z.string()).min(1), Next: StateName });
const TopLevelChoiceRule = z.looseObject({ Next: StateName });

export const AslState = z.looseObject({
  Type: StateType,
  Comment: z.string().optional(),
  Next: StateName.optional(),
  End: z.boolean().optional(),
  Default: StateName.optional(),
  Choices: z.array(TopLevelChoiceRule).min(1).optional(),
  Catch: z.array(Catcher).optional(),
});
export type AslState = z.infer<typeof AslState>;

export const AslDefinition = z.looseObject({
  Comment: z.string().optional(),
  StartAt: StateName,
  States: z.record(StateName, AslState),
});
export type AslDefinition = z.infer<typeof AslDefinition>;

export type TransitionKind = 'next' | 'choice' | 'default' | 'catch';

/** One way control can move from a state to another, in the order the definition lists them. */
export interface Transition {
  readonly from: string;
  readonly to: string;
  readonly kind: TransitionKind;
  /** What selects this transition: the choice rule, or the errors a Catch handles. */
  readonly label?: string;
}

export class InvalidDefinitionError extends Error {
  override name = 'InvalidDefinitionError';
}

/** Validates a definition; the message names every failing path. */
export function parseAslDefinition(value: unknown): AslDefinition {
  const result = AslDefinition.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new InvalidDefinitionError(`invalid state machine definition: ${issues.join('; ')}`);
}

/** A state with no way on: Succeed, Fail, or `End: true`. */
export function isTerminal(state: AslState): boolean {
  return state.Type === 'Succeed' || state.Type === 'Fail' || state.End === true;
}

/** Every transition between states, each checked to name a state that exists. */
export function transitionsOf(definition: AslDefinition): Transition[] {
  const transitions: Transition[] = [];
  const add = (from: string, to: string, kind: TransitionKind, label?: string, field?: string) => {
    if (!(to in definition.States)) {
      throw new InvalidDefinitionError(
        `state '${from}' names '${to}' in ${field ?? kind}, but the definition has no state '${to}'`,
      );
    }
    transitions.push(label === undefined ? { from, to, kind } : { from, to, kind, label });
  };
  if (!(definition.StartAt in definition.States)) {
    throw new InvalidDefinitionError(`StartAt names '${definition.StartAt}', but the definition has no such state`);
  }
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Next !== undefined) add(name, state.Next, 'next', undefined, 'Next');
    for (const [index, rule] of (state.Choices ?? []).entries()) {
      add(name, rule.Next, 'choice', describeChoiceRule(rule), `Choices[${index}].Next`);
    }
    if (state.Default !== undefined) add(name, state.Default, 'default', 'Default', 'Default');
    for (const [index, catcher] of (state.Catch ?? []).entries()) {
      add(name, catcher.Next, 'catch', catcher.ErrorEquals.join(', '), `Catch[${index}].Next`);
    }
  }
  return transitions;
}

const COMPARISON_SYMBOLS: Array<[suffix: string, symbol: string]> = [
  ['GreaterThanEquals', '≥'],
  ['LessThanEquals', '≤'],
  ['GreaterThan', '>'],
  ['LessThan', '<'],
  ['Equals', '='],
  ['Matches', '~'],
];
const RULE_KEYS_NOT_COMPARISONS = new Set(['Variable', 'Next', 'Comment', 'And', 'Or', 'Not']);

/** A short reading of a choice rule, e.g. `action = Trigger` or `terminal = false and continueAsNew = true`. */
export function describeChoiceRule(rule: Record<string, unknown>): string {
  const nested = (key: 'And' | 'Or') =>
    Array.isArray(rule[key])
      ? (rule[key] as unknown[]).map((inner) => describeChoiceRule(asRecord(inner))).join(` ${key.toLowerCase()} `)
      : undefined;
  const conjunction = nested('And') ?? nested('Or');
  if (conjunction !== undefined) return conjunction;
  if (rule.Not !== undefined) return `not (${describeChoiceRule(asRecord(rule.Not))})`;

  const variable = typeof rule.Variable === 'string' ? lastPathSegment(rule.Variable) : '?';
  const operator = Object.keys(rule).find((key) => !RULE_KEYS_NOT_COMPARISONS.has(key));
  if (operator === undefined) return variable;
  const value = rule[operator];
  if (operator.startsWith('Is')) return `${variable} ${value === false ? 'is not' : 'is'} ${operator.slice(2)}`;
  const comparedTo = operator.endsWith('Path') ? lastPathSegment(String(value)) : formatValue(value);
  const symbol = COMPARISON_SYMBOLS.find(([suffix]) => operator.replace(/Path$/, '').endsWith(suffix))?.[1];
  return symbol === undefined ? `${variable} ${operator} ${comparedTo}` : `${variable} ${symbol} ${comparedTo}`;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function lastPathSegment(path: string): string {
  const segments = path.split('.');
  return segments[segments.length - 1] || path;
}

function formatValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
