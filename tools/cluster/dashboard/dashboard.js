// The local cluster dashboard's page script: renders each picture the launcher pushes over
// Server-Sent Events (/api/events) and sends the buttons' actions to POST /api/action. Plain
// browser JavaScript, no build; uPlot (window.uPlot) draws the charts.

const byId = (id) => document.getElementById(id);
let latest = null;

function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text ?? '–';
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

function button(parent, label, action) {
  const element = document.createElement('button');
  element.type = 'button';
  element.textContent = label;
  element.dataset.action = action.action;
  if (action.node) element.dataset.node = action.node;
  element.addEventListener('click', () => act(action));
  parent.appendChild(element);
}

async function act(action) {
  const result = byId('action-result');
  result.textContent = '…';
  try {
    const response = await fetch('/api/action', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(action),
    });
    const body = await response.json();
    result.textContent = response.ok ? body.message : `refused: ${body.error}`;
  } catch (error) {
    result.textContent = `failed: ${error}`;
  }
}

function renderMembers(snapshot) {
  const body = byId('members').querySelector('tbody');
  body.replaceChildren();
  for (const member of snapshot.members) {
    const row = document.createElement('tr');
    row.dataset.id = member.id;
    row.dataset.role = member.role ?? '';
    row.dataset.state = member.state;
    cell(row, member.id);
    cell(row, member.state, `state-${member.state}`);
    cell(row, member.role, `role-${member.role}`);
    cell(row, member.term);
    cell(row, member.commitIndex);
    cell(row, member.appliedIndex);
    cell(row, member.lastIndex);
    cell(row, member.snapshotIndex);
    cell(row, member.lag);
    const actions = cell(row, '', 'actions');
    actions.textContent = '';
    if (member.state === 'paused') button(actions, 'resume', { action: 'resume', node: member.id });
    else if (member.pid !== null) button(actions, 'pause', { action: 'pause', node: member.id });
    if (member.pid !== null) button(actions, 'kill', { action: 'kill', node: member.id });
    button(actions, 'restart', { action: 'restart', node: member.id });
    button(actions, 'isolate', { action: 'partition', node: member.id });
    if (member.role !== 'leader' && member.state === 'up')
      button(actions, 'lead', { action: 'transfer', node: member.id });
    body.appendChild(row);
  }
  byId('configuration').textContent =
    snapshot.configuration.length === 0 ? '' : `configuration: ${snapshot.configuration.join(', ')}`;
}

function renderLinks(snapshot) {
  const container = byId('links');
  const ids = snapshot.members.map((member) => member.id);
  if (snapshot.links.length === 0) {
    container.textContent = 'peer links go direct (no proxies)';
    return;
  }
  const state = new Map(snapshot.links.map((link) => [`${link.from}>${link.to}`, link]));
  const table = document.createElement('table');
  const head = document.createElement('tr');
  cell(head, '→');
  for (const id of ids) cell(head, id);
  table.appendChild(head);
  for (const from of ids) {
    const row = document.createElement('tr');
    cell(row, from);
    for (const to of ids) {
      const link = state.get(`${from}>${to}`);
      if (from === to || link === undefined) cell(row, '');
      else if (link.cut) {
        const back = state.get(`${to}>${from}`);
        cell(row, back?.cut ? 'cut' : 'cut (one-way)', 'link-cut');
      } else if (link.throttled) cell(row, 'slow', 'link-throttled');
      else cell(row, 'up', 'link-ok');
    }
    table.appendChild(row);
  }
  container.replaceChildren(table);
}

function renderHeader(snapshot) {
  const leader = byId('leader');
  leader.dataset.leader = snapshot.leader ?? '';
  leader.textContent =
    snapshot.leader === null ? 'Leader: none' : `Leader: ${snapshot.leader} (term ${snapshot.term})`;
  leader.classList.toggle('has-leader', snapshot.leader !== null);
  const load = byId('load');
  load.textContent = snapshot.load ? 'Load: on' : 'Load: off';
  load.dataset.on = String(snapshot.load);
  const minute = snapshot.minute;
  const ms = (value) => (value === null ? '–' : `${value.toFixed(1)} ms`);
  byId('minute').replaceChildren(
    ...[
      ['writes/s', minute.writesPerSecond.toFixed(0)],
      ['reads/s', minute.readsPerSecond.toFixed(0)],
      ['p50', ms(minute.p50Ms)],
      ['p99', ms(minute.p99Ms)],
    ].map(([label, value]) => {
      const span = document.createElement('span');
      const strong = document.createElement('b');
      strong.textContent = value;
      span.append(strong, ` ${label}`);
      return span;
    }),
  );
}

function renderEvents(snapshot) {
  const list = byId('events');
  list.replaceChildren(
    ...snapshot.events
      .slice()
      .reverse()
      .map((event) => {
        const item = document.createElement('li');
        item.className = `event-${event.kind}`;
        const time = new Date(event.at).toLocaleTimeString();
        const kind = document.createElement('span');
        kind.className = 'event-kind';
        kind.textContent = event.kind;
        item.append(`${time} `, kind, event.text);
        return item;
      }),
  );
}

const charts = {};

function chart(id, title, series, data) {
  const width = Math.max(320, byId(id).clientWidth || 480);
  if (!charts[id]) {
    charts[id] = new uPlot(
      {
        title,
        width,
        height: 180,
        scales: { x: { time: true } },
        series: [{}, ...series],
      },
      data,
      byId(id),
    );
  } else {
    charts[id].setData(data);
  }
}

function renderCharts(snapshot) {
  if (typeof uPlot === 'undefined') return;
  const seconds = snapshot.seconds;
  const x = seconds.map((second) => second.at / 1000);
  chart(
    'rates-chart',
    'per second',
    [
      { label: 'commits/s', stroke: '#3d5a80' },
      { label: 'writes/s (load)', stroke: '#1b7f3b' },
      { label: 'reads/s (load)', stroke: '#c77700' },
    ],
    [x, seconds.map((s) => s.commits), seconds.map((s) => s.writes), seconds.map((s) => s.reads)],
  );
  chart(
    'latency-chart',
    'load latency (ms)',
    [
      { label: 'p50', stroke: '#1b7f3b' },
      { label: 'p99', stroke: '#b00020' },
    ],
    [x, seconds.map((s) => s.p50Ms), seconds.map((s) => s.p99Ms)],
  );
}

function renderTimeline(snapshot) {
  // Drawn by the launcher (@raftkv/timeline, every text escaped there), as the chaos timelines are.
  const svg = new DOMParser().parseFromString(snapshot.timelineSvg, 'image/svg+xml').documentElement;
  byId('timeline').replaceChildren(document.importNode(svg, true));
}

const drawn = {};

/** Redraws a part only when what it shows changed: the page's redraws are its cost to the machine. */
function renderPart(name, value, draw, snapshot) {
  const key = JSON.stringify(value);
  if (drawn[name] === key) return;
  drawn[name] = key;
  draw(snapshot);
}

function render(snapshot) {
  latest = snapshot;
  renderPart('timeline', snapshot.timelineSvg, renderTimeline, snapshot);
  renderPart(
    'header',
    [snapshot.leader, snapshot.term, snapshot.load, snapshot.minute],
    renderHeader,
    snapshot,
  );
  renderPart('members', [snapshot.members, snapshot.configuration], renderMembers, snapshot);
  renderPart('links', [snapshot.links, snapshot.members.map((member) => member.id)], renderLinks, snapshot);
  renderPart('events', snapshot.events.length === 0 ? 0 : snapshot.events.at(-1), renderEvents, snapshot);
  renderPart('charts', snapshot.seconds.at(-1)?.at ?? 0, renderCharts, snapshot);
}

byId('isolate-leader').addEventListener('click', () => act({ action: 'isolate-leader' }));
byId('heal').addEventListener('click', () => act({ action: 'heal' }));
byId('load').addEventListener('click', () => act({ action: 'load', on: !(latest?.load ?? false) }));
byId('throttle-leader').addEventListener('click', () => {
  if (latest?.leader) act({ action: 'throttle', node: latest.leader, rate: '256kbit' });
});

const source = new EventSource('/api/events');
source.onopen = () => {
  byId('connection').textContent = 'live';
};
source.onerror = () => {
  byId('connection').textContent = 'reconnecting…';
};
source.onmessage = (message) => render(JSON.parse(message.data));
