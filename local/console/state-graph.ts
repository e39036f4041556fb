import { Graph, layout } from '@dagrejs/dagre';
import { z } from 'zod';
import { type AslState, isTerminal, parseAslDefinition, StateType, transitionsOf } from './asl';

/**
 * A layered, top-down drawing of a state machine, as the Step Functions console shows it: a Start pill, one box per
 * state, an End pill, and an arrow per transition. dagre places the boxes in layers (loops found from Start and
 * drawn going back up, edges spanning layers routed through slots of their own, crossings kept few); this module
 * only decides sizes and where arrows meet the boxes. Pure: the same definition always gives the same layout.
 */

export const GraphPoint = z.object({ x: z.number(), y: z.number() });
export type GraphPoint = z.infer<typeof GraphPoint>;

export const GraphNodeKind = z.enum(['start', 'end', 'state']);
export const GraphNode = z.object({
  /** The state name for states; a name no state has for the Start and End pills. */
  id: z.string(),
  label: z.string(),
  kind: GraphNodeKind,
  type: StateType.optional(),
  comment: z.string().optional(),
  layer: z.int().min(0),
  /** Top-left corner. */
  x: z.number(),
  y: z.number(),
  width: z.number().positive(),
  height: z.number().positive(),
});
export type GraphNode = z.infer<typeof GraphNode>;

export const GraphEdgeKind = z.enum(['start', 'next', 'choice', 'default', 'catch', 'end']);
export type GraphEdgeKind = z.infer<typeof GraphEdgeKind>;
export const GraphEdge = z.object({
  id: z.string(),
  from: z.string(),
  to: z.string(),
  kind: GraphEdgeKind,
  label: z.string().optional(),
  /** Goes back up to an earlier layer (a loop); drawn from the source's top to the target's bottom. */
  back: z.boolean(),
  /** From the source's border to the target's border; consecutive points are joined by a vertical-tangent curve. */
  points: z.array(GraphPoint).min(2),
});
export type GraphEdge = z.infer<typeof GraphEdge>;

export const GraphLayout = z.object({
  width: z.number().positive(),
  height: z.number().positive(),
  nodes: z.array(GraphNode),
  edges: z.array(GraphEdge),
});
export type GraphLayout = z.infer<typeof GraphLayout>;

// Geometry, in SVG user units (pixels at 100 %).
const MARGIN = 24;
const STATE_HEIGHT = 40;
const PILL_HEIGHT = 28;
const PILL_WIDTH = 72;
const LAYER_GAP = 56;
const NODE_GAP = 28;
const EDGE_GAP = 12;
const CHAR_WIDTH = 7.4;
const LABEL_PADDING = 32;
const MIN_STATE_WIDTH = 120;
const SELF_LOOP_REACH = 22;
/** Keeps an arrow's end off the rounded corners of a box. */
const PORT_INSET = 10;

interface Box {
  id: string;
  kind: 'start' | 'end' | 'state';
  width: number;
  height: number;
}

interface Placed {
  x: number;
  y: number;
  rank: number;
}

interface Transition {
  from: string;
  to: string;
  kind: GraphEdgeKind;
  label?: string;
}

export function layoutGraph(definition: unknown): GraphLayout {
  const asl = parseAslDefinition(definition);
  const stateNames = Object.keys(asl.States);
  const taken = new Set(stateNames);
  const startId = unusedId('Start', taken);
  const endId = unusedId('End', taken);
  const terminals = stateNames.filter((name) => isTerminal(asl.States[name] as AslState));

  const boxes: Box[] = [
    { id: startId, kind: 'start', width: PILL_WIDTH, height: PILL_HEIGHT },
    ...stateNames.map((name) => ({ id: name, kind: 'state' as const, width: stateWidth(name), height: STATE_HEIGHT })),
    ...(terminals.length > 0 ? [{ id: endId, kind: 'end' as const, width: PILL_WIDTH, height: PILL_HEIGHT }] : []),
  ];
  const transitions: Transition[] = [
    { from: startId, to: asl.StartAt, kind: 'start' },
    ...transitionsOf(asl),
    ...terminals.map((name) => ({ from: name, to: endId, kind: 'end' as const })),
  ];

  // Start goes in first, so dagre's depth-first search for loops begins there, as a reader does.
  const graph = new Graph({ multigraph: true });
  graph.setGraph({ rankdir: 'TB', ranksep: LAYER_GAP, nodesep: NODE_GAP, edgesep: EDGE_GAP });
  for (const box of boxes) graph.setNode(box.id, { width: box.width, height: box.height });
  transitions.forEach((t, index) => {
    // Self-loops are drawn beside their box (selfLoopPoints); dagre's would cross it.
    if (t.from !== t.to) graph.setEdge(t.from, t.to, {}, `e${index}`);
  });
  layout(graph);

  const placed = new Map<string, Placed>(
    boxes.map((box) => {
      const node = graph.node(box.id);
      return [box.id, { x: node.x as number, y: node.y as number, rank: node.rank as number }];
    }),
  );
  // dagre doubles ranks to route edges between layers; layers are the ranks real boxes sit on, in order.
  const ranks = [...new Set([...placed.values()].map((p) => p.rank))].sort((a, b) => a - b);
  const layerOf = (id: string) => ranks.indexOf((placed.get(id) as Placed).rank);

  const shiftX = MARGIN - Math.min(...boxes.map((box) => (placed.get(box.id) as Placed).x - box.width / 2));
  const shiftY = MARGIN - Math.min(...boxes.map((box) => (placed.get(box.id) as Placed).y - box.height / 2));
  const nodes: GraphNode[] = boxes.map((box) => {
    const at = placed.get(box.id) as Placed;
    const node: GraphNode = {
      id: box.id,
      label: box.kind === 'state' ? box.id : box.kind === 'start' ? 'Start' : 'End',
      kind: box.kind,
      layer: layerOf(box.id),
      x: tenths(at.x + shiftX - box.width / 2),
      y: tenths(at.y + shiftY - box.height / 2),
      width: box.width,
      height: box.height,
    };
    const state = box.kind === 'state' ? asl.States[box.id] : undefined;
    if (state !== undefined) {
      node.type = state.Type;
      if (state.Comment !== undefined) node.comment = state.Comment;
    }
    return node;
  });
  const nodeById = new Map(nodes.map((node) => [node.id, node]));

  const edges: GraphEdge[] = transitions.map((t, index) => {
    const from = nodeById.get(t.from) as GraphNode;
    const to = nodeById.get(t.to) as GraphNode;
    let points: GraphPoint[];
    if (t.from === t.to) points = selfLoopPoints(from);
    else {
      // dagre's ends meet the box wherever the line to its centre does; ours leave and enter through the bottom
      // and top borders, as the drawing's vertical curves expect. Its bends in between are kept.
      const route = (graph.edge(t.from, t.to, `e${index}`).points ?? []).map((p: GraphPoint) => ({
        x: tenths(p.x + shiftX),
        y: tenths(p.y + shiftY),
      }));
      const downward = to.layer > from.layer;
      const leaves = route[0] as GraphPoint;
      const enters = route[route.length - 1] as GraphPoint;
      points = [
        { x: port(from, leaves.x), y: downward ? tenths(from.y + from.height) : from.y },
        ...route.slice(1, -1),
        { x: port(to, enters.x), y: downward ? to.y : tenths(to.y + to.height) },
      ];
    }
    const edge: GraphEdge = {
      id: `e${index}`,
      from: t.from,
      to: t.to,
      kind: t.kind,
      back: t.from === t.to || to.layer < from.layer,
      points,
    };
    if (t.label !== undefined) edge.label = t.label;
    return edge;
  });

  const right = Math.max(...nodes.map((n) => n.x + n.width), ...edges.flatMap((edge) => edge.points.map((p) => p.x)));
  const bottom = Math.max(...nodes.map((n) => n.y + n.height), ...edges.flatMap((e) => e.points.map((p) => p.y)));
  return { width: Math.ceil(right + MARGIN), height: Math.ceil(bottom + MARGIN), nodes, edges };
}

/** A tenth of a pixel is finer than any screen shows, and keeps the JSON short. */
function tenths(value: number): number {
  return Math.round(value * 10) / 10;
}

function unusedId(base: string, taken: ReadonlySet<string>): string {
  let id = base;
  while (taken.has(id)) id = `${id}'`;
  return id;
}

function stateWidth(name: string): number {
  return Math.max(MIN_STATE_WIDTH, Math.ceil(name.length * CHAR_WIDTH + LABEL_PADDING));
}

/** Where an arrow aimed at `x` meets the box's top or bottom border. */
function port(box: GraphNode, x: number): number {
  const inset = Math.min(PORT_INSET, box.width / 2);
  return tenths(Math.min(box.x + box.width - inset, Math.max(box.x + inset, x)));
}

function selfLoopPoints(box: GraphNode): GraphPoint[] {
  const right = tenths(box.x + box.width);
  const middle = box.y + box.height / 2;
  return [
    { x: right, y: tenths(middle - 8) },
    { x: tenths(right + SELF_LOOP_REACH), y: tenths(middle - 8) },
    { x: tenths(right + SELF_LOOP_REACH), y: tenths(middle + 8) },
    { x: right, y: tenths(middle + 8) },
  ];
}
