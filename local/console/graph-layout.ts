import { z } from 'zod';
import { type AslState, isTerminal, parseAslDefinition, StateType, transitionsOf } from './asl';

/**
 * A layered, top-down drawing of a state machine, as the Step Functions console shows it: a Start pill, one box per
 * state, an End pill, and an arrow per transition. Layers come from the longest path from Start (so a state sits
 * below everything that leads to it), loops are drawn as arrows going back up, edges that span layers pass through
 * reserved slots so no arrow crosses a box, and each layer is ordered to keep crossings few (barycenter sweeps).
 * Pure: the same definition always gives the same layout.
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
const DUMMY_WIDTH = 12;
const CHAR_WIDTH = 7.4;
const LABEL_PADDING = 32;
const MIN_STATE_WIDTH = 120;
const SELF_LOOP_REACH = 22;
const ORDERING_SWEEPS = 12;
const POSITIONING_ROUNDS = 8;

type VertexKind = 'start' | 'end' | 'state' | 'dummy';

interface Vertex {
  readonly id: string;
  readonly kind: VertexKind;
  readonly width: number;
  readonly height: number;
  layer: number;
  /** Horizontal centre. */
  x: number;
}

interface LogicalEdge {
  readonly from: number;
  readonly to: number;
  readonly kind: GraphEdgeKind;
  readonly label?: string;
}

/** An edge as laid out: its vertices from the upper end to the lower end, dummies in between. */
interface Chain {
  readonly edge: number;
  readonly vertices: number[];
}

export function layoutGraph(definition: unknown): GraphLayout {
  const asl = parseAslDefinition(definition);
  const stateNames = Object.keys(asl.States);
  const taken = new Set(stateNames);
  const startId = unusedId('Start', taken);
  const endId = unusedId('End', taken);

  const vertices: Vertex[] = [];
  const indexOf = new Map<string, number>();
  const addVertex = (id: string, kind: VertexKind, width: number, height: number) => {
    vertices.push({ id, kind, width, height, layer: 0, x: 0 });
    if (kind !== 'dummy') indexOf.set(id, vertices.length - 1);
    return vertices.length - 1;
  };
  const at = (name: string) => indexOf.get(name) as number;

  const start = addVertex(startId, 'start', PILL_WIDTH, PILL_HEIGHT);
  for (const name of stateNames) addVertex(name, 'state', stateWidth(name), STATE_HEIGHT);
  const terminals = stateNames.filter((name) => isTerminal(asl.States[name] as AslState));
  const end = terminals.length > 0 ? addVertex(endId, 'end', PILL_WIDTH, PILL_HEIGHT) : undefined;

  const edges: LogicalEdge[] = [
    { from: start, to: at(asl.StartAt), kind: 'start' },
    ...transitionsOf(asl).map((t) => ({ from: at(t.from), to: at(t.to), kind: t.kind, label: t.label })),
    ...(end === undefined ? [] : terminals.map((name) => ({ from: at(name), to: end, kind: 'end' as const }))),
  ];
  const realCount = vertices.length;

  const back = backEdges(realCount, edges, start);
  assignLayers(vertices, edges, back, end);
  const chains = buildChains(vertices, edges, back);
  const layers = orderLayers(vertices, chains);
  positionHorizontally(vertices, layers, chains);

  const selfLoops = new Set(edges.filter((e) => e.from === e.to).map((e) => e.from));
  const shift = MARGIN - Math.min(...vertices.map((v) => v.x - v.width / 2));
  for (const vertex of vertices) vertex.x += shift;
  const width =
    Math.max(...vertices.map((v, i) => v.x + v.width / 2 + (selfLoops.has(i) ? SELF_LOOP_REACH : 0))) + MARGIN;
  const layerCount = Math.max(...vertices.map((v) => v.layer)) + 1;
  const height = 2 * MARGIN + layerCount * STATE_HEIGHT + (layerCount - 1) * LAYER_GAP;

  const nodes: GraphNode[] = vertices.slice(0, realCount).map((vertex) => {
    const node: GraphNode = {
      id: vertex.id,
      label: vertex.kind === 'state' ? vertex.id : vertex.kind === 'start' ? 'Start' : 'End',
      kind: vertex.kind as 'start' | 'end' | 'state',
      layer: vertex.layer,
      x: tenths(vertex.x - vertex.width / 2),
      y: top(vertex),
      width: vertex.width,
      height: vertex.height,
    };
    const state = vertex.kind === 'state' ? asl.States[vertex.id] : undefined;
    if (state !== undefined) {
      node.type = state.Type;
      if (state.Comment !== undefined) node.comment = state.Comment;
    }
    return node;
  });

  const routes = routeChains(vertices, chains);
  const graphEdges: GraphEdge[] = edges.map((edge, index) => {
    const isBack = back.has(index);
    const points =
      edge.from === edge.to ? selfLoopPoints(vertices[edge.from] as Vertex) : (routes.get(index) as GraphPoint[]);
    const graphEdge: GraphEdge = {
      id: `e${index}`,
      from: (vertices[edge.from] as Vertex).id,
      to: (vertices[edge.to] as Vertex).id,
      kind: edge.kind,
      back: isBack,
      // Routes run from the upper vertex down; a back edge really starts at the lower one.
      points: (isBack && edge.from !== edge.to ? [...points].reverse() : points).map(({ x, y }) => ({
        x: tenths(x),
        y: tenths(y),
      })),
    };
    if (edge.label !== undefined) graphEdge.label = edge.label;
    return graphEdge;
  });
  return { width: Math.ceil(width), height, nodes, edges: graphEdges };
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

function bandTop(layer: number): number {
  return MARGIN + layer * (STATE_HEIGHT + LAYER_GAP);
}

function top(vertex: Vertex): number {
  return bandTop(vertex.layer) + (STATE_HEIGHT - vertex.height) / 2;
}

/** Edges that close a cycle, found by a depth-first walk from Start (then from any state Start cannot reach). */
function backEdges(vertexCount: number, edges: readonly LogicalEdge[], start: number): Set<number> {
  const outgoing = Array.from({ length: vertexCount }, () => [] as number[]);
  edges.forEach((edge, index) => {
    outgoing[edge.from]?.push(index);
  });
  const color = new Array<0 | 1 | 2>(vertexCount).fill(0); // unvisited, on the stack, done
  const back = new Set<number>();
  const walk = (root: number) => {
    color[root] = 1;
    const stack = [{ vertex: root, next: 0 }];
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as { vertex: number; next: number };
      const edgeIndex = outgoing[frame.vertex]?.[frame.next];
      if (edgeIndex === undefined) {
        color[frame.vertex] = 2;
        stack.pop();
        continue;
      }
      frame.next += 1;
      const target = (edges[edgeIndex] as LogicalEdge).to;
      if (color[target] === 1) back.add(edgeIndex);
      else if (color[target] === 0) {
        color[target] = 1;
        stack.push({ vertex: target, next: 0 });
      }
    }
  };
  walk(start);
  for (let vertex = 0; vertex < vertexCount; vertex += 1) if (color[vertex] === 0) walk(vertex);
  return back;
}

/** Longest path from the roots over the forward edges; End goes below everything. */
function assignLayers(vertices: Vertex[], edges: readonly LogicalEdge[], back: ReadonlySet<number>, end?: number) {
  const forward = edges.filter((_, index) => !back.has(index));
  const indegree = new Array<number>(vertices.length).fill(0);
  for (const edge of forward) indegree[edge.to] = (indegree[edge.to] ?? 0) + 1;
  const queue = vertices.map((_, index) => index).filter((index) => indegree[index] === 0);
  for (let head = 0; head < queue.length; head += 1) {
    const vertex = queue[head] as number;
    for (const edge of forward) {
      if (edge.from !== vertex) continue;
      const target = vertices[edge.to] as Vertex;
      target.layer = Math.max(target.layer, (vertices[vertex] as Vertex).layer + 1);
      indegree[edge.to] = (indegree[edge.to] as number) - 1;
      if (indegree[edge.to] === 0) queue.push(edge.to);
    }
  }
  if (end !== undefined) {
    const deepest = Math.max(...vertices.filter((_, index) => index !== end).map((v) => v.layer));
    (vertices[end] as Vertex).layer = deepest + 1;
  }
}

/** One chain per edge (self-loops excepted), with a dummy vertex in every layer it passes. */
function buildChains(vertices: Vertex[], edges: readonly LogicalEdge[], back: ReadonlySet<number>): Chain[] {
  const chains: Chain[] = [];
  edges.forEach((edge, index) => {
    if (edge.from === edge.to) return;
    const [upper, lower] = back.has(index) ? [edge.to, edge.from] : [edge.from, edge.to];
    const chain = [upper];
    for (let layer = (vertices[upper] as Vertex).layer + 1; layer < (vertices[lower] as Vertex).layer; layer += 1) {
      vertices.push({
        id: `dummy:${index}:${layer}`,
        kind: 'dummy',
        width: DUMMY_WIDTH,
        height: STATE_HEIGHT,
        layer,
        x: 0,
      });
      chain.push(vertices.length - 1);
    }
    chain.push(lower);
    chains.push({ edge: index, vertices: chain });
  });
  return chains;
}

interface Neighbours {
  readonly above: number[][];
  readonly below: number[][];
}

function neighboursOf(vertexCount: number, chains: readonly Chain[]): Neighbours {
  const above = Array.from({ length: vertexCount }, () => [] as number[]);
  const below = Array.from({ length: vertexCount }, () => [] as number[]);
  for (const chain of chains) {
    for (let i = 0; i + 1 < chain.vertices.length; i += 1) {
      const upper = chain.vertices[i] as number;
      const lower = chain.vertices[i + 1] as number;
      below[upper]?.push(lower);
      above[lower]?.push(upper);
    }
  }
  return { above, below };
}

/** Vertex order within each layer: barycenter sweeps down and up, keeping the order with the fewest crossings. */
function orderLayers(vertices: readonly Vertex[], chains: readonly Chain[]): number[][] {
  const layerCount = Math.max(...vertices.map((v) => v.layer)) + 1;
  const layers = Array.from({ length: layerCount }, () => [] as number[]);
  vertices.forEach((vertex, index) => {
    layers[vertex.layer]?.push(index);
  });
  const { above, below } = neighboursOf(vertices.length, chains);
  const position = new Array<number>(vertices.length).fill(0);
  const renumber = (layer: readonly number[]) => {
    layer.forEach((vertex, index) => {
      position[vertex] = index;
    });
  };
  layers.forEach(renumber);

  const reorder = (layer: number[], reference: number[][]) => {
    const weight = new Map(
      layer.map((vertex) => {
        const adjacent = reference[vertex] ?? [];
        const value =
          adjacent.length === 0
            ? (position[vertex] as number)
            : adjacent.reduce((sum, n) => sum + (position[n] as number), 0) / adjacent.length;
        return [vertex, value] as const;
      }),
    );
    layer.sort((a, b) => (weight.get(a) as number) - (weight.get(b) as number));
    renumber(layer);
  };

  let best = layers.map((layer) => [...layer]);
  let fewest = countCrossings(layers, below, position);
  for (let sweep = 0; sweep < ORDERING_SWEEPS && fewest > 0; sweep += 1) {
    if (sweep % 2 === 0) for (let l = 1; l < layerCount; l += 1) reorder(layers[l] as number[], above);
    else for (let l = layerCount - 2; l >= 0; l -= 1) reorder(layers[l] as number[], below);
    const crossings = countCrossings(layers, below, position);
    if (crossings < fewest) {
      fewest = crossings;
      best = layers.map((layer) => [...layer]);
    }
  }
  best.forEach(renumber);
  return best;
}

function countCrossings(layers: readonly number[][], below: readonly number[][], position: readonly number[]): number {
  let crossings = 0;
  for (const layer of layers) {
    const segments: Array<[number, number]> = [];
    for (const vertex of layer) {
      for (const lower of below[vertex] ?? []) segments.push([position[vertex] as number, position[lower] as number]);
    }
    for (let i = 0; i < segments.length; i += 1) {
      for (let j = i + 1; j < segments.length; j += 1) {
        const [a1, b1] = segments[i] as [number, number];
        const [a2, b2] = segments[j] as [number, number];
        if ((a1 - a2) * (b1 - b2) < 0) crossings += 1;
      }
    }
  }
  return crossings;
}

/**
 * x centres: each vertex is pulled towards the mean of its neighbours in the layer above (down sweeps) or below (up
 * sweeps), and the layer is placed as close to those wishes as its order and the minimum gaps allow.
 */
function positionHorizontally(vertices: Vertex[], layers: readonly number[][], chains: readonly Chain[]) {
  const { above, below } = neighboursOf(vertices.length, chains);
  for (const layer of layers) {
    const wishes = layer.map(() => 0);
    placeLayer(vertices, layer, wishes);
  }
  const pull = (layer: readonly number[], reference: number[][]) => {
    const wishes = layer.map((vertex) => {
      const adjacent = reference[vertex] ?? [];
      const self = vertices[vertex] as Vertex;
      return adjacent.length === 0
        ? self.x
        : adjacent.reduce((sum, n) => sum + (vertices[n] as Vertex).x, 0) / adjacent.length;
    });
    placeLayer(vertices, layer, wishes);
  };
  for (let round = 0; round < POSITIONING_ROUNDS; round += 1) {
    for (let l = 1; l < layers.length; l += 1) pull(layers[l] as number[], above);
    for (let l = layers.length - 2; l >= 0; l -= 1) pull(layers[l] as number[], below);
  }
}

/**
 * Least-squares placement of one ordered layer: minimise Σ(xᵢ − wishᵢ)² keeping every gap. Subtracting each
 * vertex's minimum offset from the first turns the gaps into "non-decreasing", which pool-adjacent-violators solves.
 */
function placeLayer(vertices: Vertex[], layer: readonly number[], wishes: readonly number[]) {
  const offsets: number[] = [];
  let offset = 0;
  layer.forEach((vertex, i) => {
    if (i > 0) {
      const previous = vertices[layer[i - 1] as number] as Vertex;
      offset += previous.width / 2 + NODE_GAP + (vertices[vertex] as Vertex).width / 2;
    }
    offsets.push(offset);
  });
  const blocks: Array<{ sum: number; count: number }> = [];
  wishes.forEach((wish, i) => {
    blocks.push({ sum: wish - (offsets[i] as number), count: 1 });
    while (blocks.length > 1) {
      const last = blocks[blocks.length - 1] as { sum: number; count: number };
      const previous = blocks[blocks.length - 2] as { sum: number; count: number };
      if (previous.sum / previous.count <= last.sum / last.count) break;
      previous.sum += last.sum;
      previous.count += last.count;
      blocks.pop();
    }
  });
  let i = 0;
  for (const block of blocks) {
    const value = block.sum / block.count;
    for (let k = 0; k < block.count; k += 1, i += 1) {
      (vertices[layer[i] as number] as Vertex).x = value + (offsets[i] as number);
    }
  }
}

/**
 * Points of every chain, upper end first: out of the upper vertex's bottom, straight down through each dummy slot,
 * into the lower vertex's top. Several edges on one side of a box get evenly spread ports, ordered by where their
 * other end lies, so they neither overlap nor cross at the box.
 */
function routeChains(vertices: readonly Vertex[], chains: readonly Chain[]): Map<number, GraphPoint[]> {
  const ports = new Map<string, number>();
  const bottomSide = new Map<number, Array<{ chain: number; towards: number }>>();
  const topSide = new Map<number, Array<{ chain: number; towards: number }>>();
  chains.forEach((chain, index) => {
    const { vertices: path } = chain;
    const upper = path[0] as number;
    const lower = path[path.length - 1] as number;
    const list = (side: Map<number, Array<{ chain: number; towards: number }>>, vertex: number) => {
      const existing = side.get(vertex);
      if (existing) return existing;
      const created: Array<{ chain: number; towards: number }> = [];
      side.set(vertex, created);
      return created;
    };
    list(bottomSide, upper).push({ chain: index, towards: (vertices[path[1] as number] as Vertex).x });
    list(topSide, lower).push({ chain: index, towards: (vertices[path[path.length - 2] as number] as Vertex).x });
  });
  const spread = (side: Map<number, Array<{ chain: number; towards: number }>>, which: 'upper' | 'lower') => {
    for (const [vertex, attachments] of side) {
      const box = vertices[vertex] as Vertex;
      attachments.sort((a, b) => a.towards - b.towards || a.chain - b.chain);
      attachments.forEach((attachment, i) => {
        ports.set(
          `${which}:${attachment.chain}`,
          box.x - box.width / 2 + (box.width * (i + 1)) / (attachments.length + 1),
        );
      });
    }
  };
  spread(bottomSide, 'upper');
  spread(topSide, 'lower');

  const routes = new Map<number, GraphPoint[]>();
  chains.forEach((chain, index) => {
    const path = chain.vertices;
    const upper = vertices[path[0] as number] as Vertex;
    const lower = vertices[path[path.length - 1] as number] as Vertex;
    const points: GraphPoint[] = [{ x: ports.get(`upper:${index}`) as number, y: top(upper) + upper.height }];
    for (const dummy of path.slice(1, -1)) {
      const vertex = vertices[dummy] as Vertex;
      points.push({ x: vertex.x, y: bandTop(vertex.layer) }, { x: vertex.x, y: bandTop(vertex.layer) + STATE_HEIGHT });
    }
    points.push({ x: ports.get(`lower:${index}`) as number, y: top(lower) });
    routes.set(chain.edge, points);
  });
  return routes;
}

function selfLoopPoints(vertex: Vertex): GraphPoint[] {
  const right = vertex.x + vertex.width / 2;
  const middle = top(vertex) + vertex.height / 2;
  return [
    { x: right, y: middle - 8 },
    { x: right + SELF_LOOP_REACH, y: middle - 8 },
    { x: right + SELF_LOOP_REACH, y: middle + 8 },
    { x: right, y: middle + 8 },
  ];
}
