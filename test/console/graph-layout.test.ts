import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { parse } from 'yaml';
import {
  describeChoiceRule,
  type GraphLayout,
  GraphLayout as GraphLayoutSchema,
  layoutGraph,
} from '../../local/console';

const ROOT = path.resolve(__dirname, '..', '..');
const definitionOf = (machine: string) =>
  parse(readFileSync(path.join(ROOT, 'statemachines', `${machine}.asl.yaml`), 'utf8')) as Definition;

interface Definition {
  StartAt: string;
  States: Record<
    string,
    {
      Type: string;
      Next?: string;
      End?: boolean;
      Default?: string;
      Choices?: Array<{ Next: string }>;
      Catch?: Array<{ Next: string }>;
    }
  >;
}

/** The transitions read straight from the definition, independently of the console's own reading. */
function expectedEdges(definition: Definition): string[] {
  const edges = [`(start)->${definition.StartAt}:start`];
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Next) edges.push(`${name}->${state.Next}:next`);
    for (const rule of state.Choices ?? []) edges.push(`${name}->${rule.Next}:choice`);
    if (state.Default) edges.push(`${name}->${state.Default}:default`);
    for (const catcher of state.Catch ?? []) edges.push(`${name}->${catcher.Next}:catch`);
    if (state.Type === 'Succeed' || state.Type === 'Fail' || state.End) edges.push(`${name}->(end):end`);
  }
  return edges.sort();
}

function drawnEdges(layout: GraphLayout): string[] {
  const kindOf = new Map(layout.nodes.map((node) => [node.id, node.kind]));
  const nameOf = (id: string) => (kindOf.get(id) === 'state' ? id : `(${kindOf.get(id)})`);
  return layout.edges.map((edge) => `${nameOf(edge.from)}->${nameOf(edge.to)}:${edge.kind}`).sort();
}

function overlappingPairs(layout: GraphLayout): string[] {
  const overlaps: string[] = [];
  layout.nodes.forEach((a, i) => {
    for (const b of layout.nodes.slice(i + 1)) {
      const apart = a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
      if (!apart) overlaps.push(`${a.id} overlaps ${b.id}`);
    }
  });
  return overlaps;
}

/** Edge points strictly inside a box: an arrow drawn across a state. */
function pointsInsideNodes(layout: GraphLayout): string[] {
  const found: string[] = [];
  for (const edge of layout.edges) {
    for (const point of edge.points) {
      for (const node of layout.nodes) {
        const inside =
          point.x > node.x + 0.5 &&
          point.x < node.x + node.width - 0.5 &&
          point.y > node.y + 0.5 &&
          point.y < node.y + node.height - 0.5;
        if (inside) found.push(`${edge.from}->${edge.to} passes through ${node.id}`);
      }
    }
  }
  return found;
}

/** Forward edges go down a layer or more, back edges up; each end touches its own box. */
function flowProblems(layout: GraphLayout): string[] {
  const byId = new Map(layout.nodes.map((node) => [node.id, node]));
  const problems: string[] = [];
  for (const edge of layout.edges) {
    const from = byId.get(edge.from);
    const to = byId.get(edge.to);
    if (!from || !to) {
      problems.push(`${edge.id} joins unknown nodes`);
      continue;
    }
    if (edge.from === edge.to) continue;
    if (!edge.back && to.layer <= from.layer) problems.push(`${edge.from}->${edge.to} is forward but not downward`);
    if (edge.back && to.layer >= from.layer) problems.push(`${edge.from}->${edge.to} is a loop but not upward`);
    const first = edge.points[0] as { x: number; y: number };
    const last = edge.points[edge.points.length - 1] as { x: number; y: number };
    const leaves = edge.back ? from.y : from.y + from.height;
    const enters = edge.back ? to.y + to.height : to.y;
    if (first.y !== leaves || first.x < from.x || first.x > from.x + from.width) {
      problems.push(`${edge.from}->${edge.to} does not start on ${edge.from}'s border`);
    }
    if (last.y !== enters || last.x < to.x || last.x > to.x + to.width) {
      problems.push(`${edge.from}->${edge.to} does not end on ${edge.to}'s border`);
    }
  }
  return problems;
}

describe('layoutGraph on the project state machines', () => {
  it.each(['provision', 'deprovision'])('%s: every state placed once, as a box of its own', (machine) => {
    const definition = definitionOf(machine);
    const layout = GraphLayoutSchema.parse(layoutGraph(definition));
    const states = layout.nodes.filter((node) => node.kind === 'state');
    expect(states.map((node) => node.id).sort()).toEqual(Object.keys(definition.States).sort());
    for (const node of states) {
      expect(node.type).toBe(definition.States[node.id]?.Type);
      expect(node.x).toBeGreaterThanOrEqual(0);
      expect(node.x + node.width).toBeLessThanOrEqual(layout.width);
      expect(node.y + node.height).toBeLessThanOrEqual(layout.height);
    }
    expect(layout.nodes.filter((node) => node.kind !== 'state').map((node) => node.kind)).toEqual(['start', 'end']);
  });

  it.each(['provision', 'deprovision'])('%s: every transition is an edge, and nothing else is', (machine) => {
    const definition = definitionOf(machine);
    expect(drawnEdges(layoutGraph(definition))).toEqual(expectedEdges(definition));
  });

  it.each(['provision', 'deprovision'])('%s: no two boxes overlap and no arrow crosses a box', (machine) => {
    const layout = layoutGraph(definitionOf(machine));
    expect(overlappingPairs(layout)).toEqual([]);
    expect(pointsInsideNodes(layout)).toEqual([]);
  });

  it.each(['provision', 'deprovision'])(
    '%s: top-down from Start, loops drawn back up, End at the bottom',
    (machine) => {
      const definition = definitionOf(machine);
      const layout = layoutGraph(definition);
      const start = layout.nodes.find((node) => node.kind === 'start');
      const end = layout.nodes.find((node) => node.kind === 'end');
      const first = layout.nodes.find((node) => node.id === definition.StartAt);
      expect(start?.layer).toBe(0);
      expect(first?.layer).toBe(1);
      expect(end?.layer).toBe(Math.max(...layout.nodes.map((node) => node.layer)));
      expect(flowProblems(layout)).toEqual([]);
      // The poll loops are the loops the machine is built around: each must be drawn as one, going back up (a job
      // still running goes back to the notification wait, or with notifications off to the plain Wait).
      const waitTask = machine === 'provision' ? 'WaitForProvisionJobToEnd' : 'WaitForDeprovisionJobToEnd';
      const backUp = (from: string, to: string) => layout.edges.find((e) => e.from === from && e.to === to)?.back;
      expect(backUp('IsTheJobFinished', waitTask)).toBe(true);
      expect(backUp('WaitBeforeNextPoll', 'CountPollRound')).toBe(true);
    },
  );

  it('is deterministic', () => {
    const definition = definitionOf('provision');
    expect(layoutGraph(definition)).toEqual(layoutGraph(structuredClone(definition)));
  });
});

describe('layoutGraph on any definition', () => {
  const stateTypes = ['Task', 'Pass', 'Wait', 'Choice', 'Succeed', 'Fail'] as const;
  /** Random machines: any mix of types, with forward jumps, loops and self-loops. */
  const definitions = fc.integer({ min: 1, max: 14 }).chain((count) => {
    const target = fc.integer({ min: 0, max: count - 1 }).map((i) => `S${i}`);
    const state = fc.record({
      type: fc.constantFrom(...stateTypes),
      next: target,
      choices: fc.array(target, { minLength: 1, maxLength: 3 }),
      defaultTo: fc.option(target, { nil: undefined }),
      catches: fc.array(target, { maxLength: 2 }),
      ends: fc.boolean(),
    });
    return fc.array(state, { minLength: count, maxLength: count }).map((specs) => {
      const States: Definition['States'] = {};
      specs.forEach((spec, i) => {
        if (spec.type === 'Succeed' || spec.type === 'Fail') States[`S${i}`] = { Type: spec.type };
        else if (spec.type === 'Choice') {
          States[`S${i}`] = {
            Type: 'Choice',
            Choices: spec.choices.map((Next) => ({ Variable: '$.x', BooleanEquals: true, Next })),
            ...(spec.defaultTo ? { Default: spec.defaultTo } : {}),
          };
        } else {
          const flow = spec.ends ? { End: true } : { Next: spec.next };
          const catches =
            spec.type === 'Task' ? { Catch: spec.catches.map((Next) => ({ ErrorEquals: ['E'], Next })) } : {};
          States[`S${i}`] = { Type: spec.type, ...flow, ...catches };
        }
      });
      return { StartAt: 'S0', States } as Definition;
    });
  });

  it('places every state, draws every transition, overlaps nothing and keeps edges flowing by layer', () => {
    fc.assert(
      fc.property(definitions, (definition) => {
        const layout = layoutGraph(definition);
        expect(
          layout.nodes
            .filter((n) => n.kind === 'state')
            .map((n) => n.id)
            .sort(),
        ).toEqual(Object.keys(definition.States).sort());
        expect(drawnEdges(layout)).toEqual(expectedEdges(definition));
        expect(overlappingPairs(layout)).toEqual([]);
        expect(pointsInsideNodes(layout)).toEqual([]);
        expect(flowProblems(layout)).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });
});

describe('layoutGraph rejects what it cannot draw', () => {
  it.each([
    ['no StartAt', { States: { A: { Type: 'Succeed' } } }, /StartAt/],
    ['StartAt names no state', { StartAt: 'B', States: { A: { Type: 'Succeed' } } }, /StartAt names 'B'/],
    [
      'a Next to nowhere',
      { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'Nowhere' } } },
      /state 'A' names 'Nowhere' in Next/,
    ],
    [
      'a Catch to nowhere',
      {
        StartAt: 'A',
        States: { A: { Type: 'Task', End: true, Catch: [{ ErrorEquals: ['X'], Next: 'Gone' }] } },
      },
      /state 'A' names 'Gone' in Catch\[0\]\.Next/,
    ],
    ['an unknown state type', { StartAt: 'A', States: { A: { Type: 'Sleep' } } }, /States\.A\.Type/],
    ['not an object', 'StartAt: A', /invalid state machine definition/],
  ])('%s', (_case, definition, message) => {
    expect(() => layoutGraph(definition)).toThrow(message);
  });

  it('names Start and End apart from states called Start and End', () => {
    const layout = layoutGraph({
      StartAt: 'Start',
      States: { Start: { Type: 'Pass', Next: 'End' }, End: { Type: 'Succeed' } },
    });
    const ids = layout.nodes.map((node) => node.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(layout.nodes.filter((node) => node.kind === 'state').map((node) => node.id)).toEqual(['Start', 'End']);
    expect(drawnEdges(layout)).toEqual(['(start)->Start:start', 'End->(end):end', 'Start->End:next'].sort());
  });
});

describe('describeChoiceRule', () => {
  it.each([
    [{ Variable: '$.decision.action', StringEquals: 'Trigger', Next: 'X' }, 'action = Trigger'],
    [{ Variable: '$.poll.terminal', BooleanEquals: false, Next: 'X' }, 'terminal = false'],
    [{ Variable: '$.n', NumericGreaterThanEquals: 3, Next: 'X' }, 'n ≥ 3'],
    [{ Variable: '$.a', NumericLessThanPath: '$.b', Next: 'X' }, 'a < b'],
    [{ Variable: '$.a', IsPresent: false, Next: 'X' }, 'a is not Present'],
    [
      {
        And: [
          { Variable: '$.poll.terminal', BooleanEquals: false },
          { Variable: '$.poll.continueAsNew', BooleanEquals: true },
        ],
        Next: 'X',
      },
      'terminal = false and continueAsNew = true',
    ],
    [{ Not: { Variable: '$.s', StringMatches: 'a*' }, Next: 'X' }, 'not (s ~ a*)'],
  ])('%j reads %s', (rule, expected) => {
    expect(describeChoiceRule(rule)).toBe(expected);
  });
});
