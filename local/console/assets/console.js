// The console page: renders the snapshots /api/stream pushes, and the selected execution from /api/executions/:name.
// Everything is built with DOM calls and textContent, never innerHTML, since names and messages come from the stack.

const SVG_NS = 'http://www.w3.org/2000/svg';
/** Longer edge labels are cut (the tooltip has them whole), so neighbouring labels do not run into each other. */
const MAX_LABEL = 22;

const view = {
  /** The execution shown in the detail panel, kept in the URL hash so a reload keeps it. */
  selected: selectedFromHash(),
  /** `status/historyEventCount` of the selected execution when its detail was last fetched. */
  detailVersion: undefined,
  detailRequest: 0,
  latest: undefined,
};

const $ = (id) => document.getElementById(id);

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null && value !== false) node.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function svgElement(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

function time(iso) {
  if (!iso) return element('span', { class: 'muted' }, '—');
  const date = new Date(iso);
  const text = `${date.toLocaleTimeString([], { hour12: false })}.${String(date.getMilliseconds()).padStart(3, '0')}`;
  return element('time', { datetime: iso, title: iso }, text);
}

function badge(text, kind) {
  return element('span', { class: `badge badge-${String(kind).toLowerCase()}` }, text);
}

function replaceRows(tbody, rows, emptyText, columns) {
  tbody.replaceChildren(
    ...(rows.length > 0 ? rows : [element('tr', {}, element('td', { class: 'empty', colspan: columns }, emptyText))]),
  );
}

// ---- instances ----

function renderInstances(instances) {
  $('instances-count').textContent = `(${instances.length})`;
  const container = $('instances');
  if (instances.length === 0) {
    container.replaceChildren(element('p', { class: 'empty' }, 'No ComputeInstances yet.'));
    return;
  }
  container.replaceChildren(
    ...instances.map((instance) => {
      const conditions = instance.conditions.map((condition) =>
        element(
          'li',
          {
            class: `condition condition-${condition.status.toLowerCase()}`,
            title: `${condition.reason}: ${condition.message} (since ${condition.lastTransitionTime})`,
            'data-condition': condition.type,
            'data-status': condition.status,
          },
          `${condition.type} `,
          element('strong', {}, condition.status),
          element('span', { class: 'reason' }, ` ${condition.reason}`),
        ),
      );
      const jobs = [...instance.jobs]
        .reverse()
        .map((job) =>
          element(
            'tr',
            {},
            element('td', {}, job.id === '' ? element('span', { class: 'muted' }, 'launching…') : job.id),
            element('td', {}, job.type),
            element('td', {}, badge(job.state, job.state)),
            element('td', { class: 'message' }, job.message ?? ''),
            element('td', {}, time(job.timestamp)),
          ),
        );
      return element(
        'article',
        {
          class: 'instance',
          'data-instance': `${instance.namespace}/${instance.name}`,
          'data-phase': instance.phase ?? '',
        },
        element(
          'header',
          {},
          element('strong', { class: 'name' }, instance.name),
          element('span', { class: 'muted' }, ` ${instance.namespace}`),
          instance.generation === undefined
            ? null
            : element('span', { class: 'muted' }, ` · gen ${instance.generation}`),
          ' ',
          instance.phase ? badge(instance.phase, instance.phase) : badge('no phase', 'none'),
          instance.deleting ? badge('being deleted', 'deleting') : null,
        ),
        conditions.length > 0
          ? element('ul', { class: 'conditions' }, conditions)
          : element('p', { class: 'muted' }, 'No conditions yet.'),
        jobs.length > 0
          ? element(
              'table',
              { class: 'jobs' },
              element(
                'thead',
                {},
                element(
                  'tr',
                  {},
                  ['Job', 'Type', 'State', 'Message', 'Since'].map((h) => element('th', {}, h)),
                ),
              ),
              element('tbody', {}, jobs),
            )
          : element('p', { class: 'muted' }, 'No jobs yet.'),
      );
    }),
  );
}

// ---- AAP ----

function renderAap(jobs, vms) {
  $('jobs-count').textContent = `(${jobs.length})`;
  $('vms-count').textContent = `(${vms.length})`;
  const jobRows = jobs.map((job) =>
    element(
      'tr',
      { 'data-job': job.id },
      element('td', {}, job.id),
      element('td', {}, job.template),
      element(
        'td',
        {},
        badge(
          job.cancelRequested && job.status !== 'canceled' ? `${job.status} (cancel asked)` : job.status,
          job.status,
        ),
      ),
      element('td', {}, job.vm ?? '—'),
      element('td', {}, time(job.launchedAt)),
      element('td', {}, time(job.startedAt)),
      element('td', {}, time(job.finishedAt)),
    ),
  );
  replaceRows($('aap-jobs').tBodies[0], jobRows, 'No jobs launched yet.', 7);
  const vmRows = vms.map((vm) =>
    element(
      'tr',
      { 'data-vm': vm.key },
      element('td', {}, vm.key),
      element('td', { class: 'mono' }, vm.uid),
      element('td', {}, vm.createdByJob),
      element('td', {}, time(vm.createdAt)),
    ),
  );
  replaceRows($('vms').tBodies[0], vmRows, 'No VMs.', 4);
}

// ---- executions ----

function renderExecutions(executions) {
  $('executions-count').textContent = `(${executions.length})`;
  const rows = executions.map((execution) => {
    const row = element(
      'tr',
      {
        'data-execution': execution.name,
        'data-status': execution.status,
        class: execution.name === view.selected ? 'selected' : undefined,
        tabindex: 0,
      },
      element('td', { class: 'mono' }, execution.name),
      element('td', {}, execution.stateMachine),
      element('td', {}, badge(execution.status, execution.status)),
      element('td', {}, time(execution.startDate)),
      element('td', {}, time(execution.stopDate)),
      element('td', {}, execution.stateTransitions),
    );
    const choose = () => select(execution.name);
    row.addEventListener('click', choose);
    row.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        choose();
      }
    });
    return row;
  });
  replaceRows($('executions').tBodies[0], rows, 'No executions yet.', 6);
}

function selectedFromHash() {
  const match = /^#execution=(.+)$/.exec(location.hash);
  return match ? decodeURIComponent(match[1]) : undefined;
}

function select(name) {
  view.selected = name;
  view.detailVersion = undefined;
  history.replaceState(null, '', `#execution=${encodeURIComponent(name)}`);
  if (view.latest) render(view.latest);
}

async function refreshDetail(summary) {
  const version = `${summary.status}/${summary.historyEventCount}`;
  if (version === view.detailVersion) return;
  view.detailVersion = version;
  const request = ++view.detailRequest;
  const response = await fetch(`/api/executions/${encodeURIComponent(summary.name)}`);
  const body = await response.json();
  // A newer selection or version may have been asked for meanwhile; only the latest answer is drawn.
  if (request !== view.detailRequest) return;
  if (!response.ok) {
    view.detailVersion = undefined;
    showDetailError(body.error ?? `HTTP ${response.status}`);
    return;
  }
  renderDetail(body);
}

function showDetailError(message) {
  $('execution-detail').hidden = false;
  $('graph').replaceChildren(element('p', { class: 'problem' }, message));
}

function renderDetail(detail) {
  const { execution, graph, path } = detail;
  const panel = $('execution-detail');
  panel.hidden = false;
  panel.dataset.execution = execution.name;
  panel.dataset.status = execution.status;
  $('detail-title').replaceChildren(`Execution ${execution.name} `, badge(execution.status, execution.status));
  const summary = [`${execution.stateMachine}`, `started ${new Date(execution.startDate).toLocaleTimeString()}`];
  if (execution.stopDate) summary.push(`stopped ${new Date(execution.stopDate).toLocaleTimeString()}`);
  summary.push(`${execution.stateTransitions} state transitions`);
  if (path.current) summary.push(`now in ${path.current}`);
  if (path.waitingForCallback) summary.push(callbackWaitText(path.waitingForCallback));
  if (path.stoppedIn) summary.push(`stopped in ${path.stoppedIn}`);
  if (execution.error) summary.push(`${execution.error}${execution.cause ? `: ${execution.cause}` : ''}`);
  $('detail-summary').textContent = summary.join(' · ');
  $('graph').replaceChildren(
    graph ? drawGraph(graph, path) : element('p', { class: 'problem' }, detail.graphProblem ?? 'No graph.'),
  );
  renderEvents(detail.events, detail.eventsOmitted);
}

/** A `.waitForTaskToken` task whose function has its token: it waits for a notification (or its timeout). */
function callbackWaitText(wait) {
  const limits = [];
  if (wait.timeoutSeconds !== undefined) limits.push(`timeout ${wait.timeoutSeconds} s`);
  if (wait.heartbeatSeconds !== undefined) limits.push(`heartbeat ${wait.heartbeatSeconds} s`);
  return `${wait.state} is waiting for a callback${limits.length > 0 ? ` (${limits.join(', ')})` : ''}`;
}

function renderEvents(events, omitted) {
  $('events-count').textContent =
    omitted > 0 ? `(latest ${events.length} of ${events.length + omitted})` : `(${events.length})`;
  const rows = events.map((event) =>
    element(
      'tr',
      { class: /(Failed|TimedOut|Aborted)$/.test(event.type) ? 'failure' : undefined },
      element('td', {}, event.id),
      element('td', {}, time(event.timestamp)),
      element(
        'td',
        { class: 'message' },
        event.type,
        event.detail ? element('div', { class: 'event-detail' }, event.detail) : null,
      ),
      element('td', {}, event.state ?? ''),
    ),
  );
  const tbody = $('events').tBodies[0];
  const box = tbody.closest('.scroll');
  const atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 4;
  replaceRows(tbody, rows, 'No events.', 4);
  // Follow new events like a log, unless the reader scrolled up to look at older ones.
  if (atBottom) box.scrollTop = box.scrollHeight;
}

// ---- the state graph ----

/** How each node ran: states from the path; Start once anything was entered; End once the execution succeeded. */
function runOf(node, path, states) {
  if (node.kind === 'start') return path.entry ? 'visited' : 'unvisited';
  if (node.kind === 'end') return path.reachedEnd ? 'visited' : 'unvisited';
  const state = states.get(node.id);
  if (!state) return 'unvisited';
  return state.run === 'visited' && state.errors > 0 ? 'caught' : state.run;
}

function edgeTaken(edge, path, states, moves) {
  if (edge.kind === 'start') return path.entry === edge.to;
  if (edge.kind === 'end') return path.reachedEnd && states.has(edge.from);
  return moves.has(`${edge.from}\u0000${edge.to}`);
}

/** Joins the layout's points with curves that leave and enter vertically, like the layers they connect. */
function edgePathData(points) {
  let data = `M ${points[0].x} ${points[0].y}`;
  for (let i = 1; i < points.length; i += 1) {
    const from = points[i - 1];
    const to = points[i];
    if (from.x === to.x || from.y === to.y) data += ` L ${to.x} ${to.y}`;
    else {
      const middle = (from.y + to.y) / 2;
      data += ` C ${from.x} ${middle} ${to.x} ${middle} ${to.x} ${to.y}`;
    }
  }
  return data;
}

function drawGraph(graph, path) {
  const states = new Map(path.states.map((state) => [state.name, state]));
  const moves = new Set(path.transitions.map((move) => `${move.from}\u0000${move.to}`));
  const root = svgElement('svg', {
    class: 'state-graph',
    width: Math.ceil(graph.width),
    height: Math.ceil(graph.height),
    viewBox: `0 0 ${Math.ceil(graph.width)} ${Math.ceil(graph.height)}`,
    role: 'img',
    'aria-label': 'State machine graph with the path this execution took',
  });
  const arrow = (id) =>
    svgElement(
      'marker',
      // Sized in user units: a marker sized by stroke width would balloon on the thicker taken edges.
      {
        id,
        viewBox: '0 0 10 10',
        refX: 9,
        refY: 5,
        markerUnits: 'userSpaceOnUse',
        markerWidth: 9,
        markerHeight: 9,
        orient: 'auto-start-reverse',
      },
      svgElement('path', { d: 'M 0 0 L 10 5 L 0 10 z' }),
    );
  root.append(svgElement('defs', {}, arrow('arrow'), arrow('arrow-taken')));

  const edgeLayer = svgElement('g', { class: 'edges' });
  const labelLayer = svgElement('g', { class: 'edge-labels' });
  for (const edge of graph.edges) {
    const taken = edgeTaken(edge, path, states, moves);
    const line = svgElement('path', {
      d: edgePathData(edge.points),
      class: `edge edge-${edge.kind}${edge.back ? ' edge-back' : ''}${taken ? ' taken' : ''}`,
      'marker-end': `url(#${taken ? 'arrow-taken' : 'arrow'})`,
      'data-from': edge.from,
      'data-to': edge.to,
      'data-taken': taken,
    });
    const title = svgElement('title');
    title.textContent = `${edge.from} → ${edge.to}${edge.label ? ` (${edge.kind}: ${edge.label})` : ''}`;
    line.append(title);
    edgeLayer.append(line);
    // Choice rules are labelled near their target, where fanned-out edges are furthest apart. Loops arrive at a box
    // many edges share, so theirs stay in the tooltip.
    if (edge.label && !edge.back && (edge.kind === 'choice' || edge.kind === 'default')) {
      const end = edge.points[edge.points.length - 1];
      const text = svgElement('text', { x: end.x + 4, y: end.y - 6, class: `edge-label${taken ? ' taken' : ''}` });
      text.textContent = edge.label.length > MAX_LABEL ? `${edge.label.slice(0, MAX_LABEL - 1)}…` : edge.label;
      labelLayer.append(text);
    }
  }
  root.append(edgeLayer);

  const nodeLayer = svgElement('g', { class: 'nodes' });
  for (const node of graph.nodes) {
    const run = runOf(node, path, states);
    const state = states.get(node.id);
    const callback =
      node.kind === 'state' && path.waitingForCallback?.state === node.id ? path.waitingForCallback : null;
    const group = svgElement('g', {
      class: `node node-${node.kind} type-${(node.type ?? node.kind).toLowerCase()} run-${run}${callback ? ' waiting-callback' : ''}`,
      'data-state': node.kind === 'state' ? node.id : undefined,
      'data-node': node.kind,
      'data-run': run,
      'data-visits': state?.visits ?? 0,
      'data-waiting': callback ? 'callback' : undefined,
      transform: `translate(${node.x} ${node.y})`,
    });
    const rounded = node.kind === 'state' ? 6 : node.height / 2;
    group.append(svgElement('rect', { width: node.width, height: node.height, rx: rounded, ry: rounded }));
    const label = svgElement('text', { x: node.width / 2, y: node.height / 2, class: 'node-label' });
    label.textContent = node.label;
    group.append(label);
    if (node.type) {
      const type = svgElement('text', { x: 6, y: 10, class: 'node-type' });
      type.textContent = node.type;
      group.append(type);
    }
    if (state && state.visits > 1) {
      const visits = svgElement('text', { x: node.width - 6, y: 10, class: 'node-visits' });
      visits.textContent = `×${state.visits}`;
      group.append(visits);
    }
    if (callback) {
      const waiting = svgElement('text', { x: node.width / 2, y: node.height + 12, class: 'node-waiting' });
      waiting.textContent = `waiting for a callback${callback.timeoutSeconds ? ` · timeout ${callback.timeoutSeconds} s` : ''}`;
      group.append(waiting);
    }
    const title = svgElement('title');
    const facts = [node.label, node.type, state ? `entered ${state.visits}×` : 'not entered'];
    if (callback) facts.push(callbackWaitText(callback));
    if (state?.errors) facts.push(`${state.errors} task error(s)`);
    title.textContent = `${facts.filter(Boolean).join(' · ')}${node.comment ? `\n${node.comment}` : ''}`;
    group.append(title);
    nodeLayer.append(group);
  }
  root.append(nodeLayer, labelLayer);
  return root;
}

// ---- snapshot ----

function render(snapshot) {
  view.latest = snapshot;
  const problems = $('problems');
  problems.hidden = snapshot.problems.length === 0;
  problems.replaceChildren(...snapshot.problems.map((problem) => element('p', {}, problem)));
  renderInstances(snapshot.instances);
  renderAap(snapshot.aapJobs, snapshot.vms);
  renderExecutions(snapshot.executions);
  const selected = snapshot.executions.find((execution) => execution.name === view.selected);
  if (selected) {
    refreshDetail(selected).catch((error) => showDetailError(`cannot load ${selected.name}: ${error.message}`));
  }
}

function setConnection(status, text) {
  const indicator = $('connection');
  indicator.dataset.connection = status;
  indicator.textContent = text;
}

function connect() {
  const stream = new EventSource('/api/stream');
  stream.addEventListener('open', () => setConnection('live', 'live'));
  stream.addEventListener('error', () => setConnection('reconnecting', 'reconnecting…'));
  stream.addEventListener('snapshot', (event) => {
    setConnection('live', 'live');
    render(JSON.parse(event.data));
  });
}

connect();
