import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, test } from 'node:test';
import { initialUiState } from '../../src/ui/view-model/ui-reducer.js';
import { buildScreenInput, buildSnapshot, containers, cookies } from './fake-store.js';
import { containersOf, processesOf } from './view-model/snapshot-builder.js';
import { assertFits, keys, linesWith, renderApp, type RenderedApp } from './render-app.js';

let app: RenderedApp | undefined;
afterEach(() => app?.unmount());

/** The frame's lines without the spaces Ink pads them with. */
function linesOf(frame: string): string[] {
  return frame.split('\n').map((line) => line.trimEnd());
}

/** The tabs line, the table's header line and its rows: from the line naming the panes down to the first blank one. */
function tableLines(frame: string): string[] {
  const lines = linesOf(frame);
  const tabs = lines.findIndex((line) => line.includes('1 Conn'));
  const end = lines.indexOf('', tabs);
  return lines.slice(tabs, end < 0 ? undefined : end);
}

describe('the Containers pane', () => {
  test('at 160×45: every column, the busiest container first', async () => {
    app = await renderApp({ width: 160, height: 45 });
    await app.press('3');
    assert.deepEqual(tableLines(app.frame()), [
      ' 1 Connections  2 Processes [3 Containers (2)] 4 Peers  5 Listeners  6 Events   sort BYTES▼',
      'NAME           RUNTIME    POD              WORKLOAD         IMAGE            PROCS  CONNS   BYTES▼     SEND/s     RECV/s     SENT    RECVD  RETRANS   RST  DROPS',
      'web            docker     -                -                nginx:1.27           1      1 45.9 MiB  1.2 MiB/s  3.0 KiB/s 45.8 MiB  117 KiB        -     -      -',
      'postgres       containerd prod/db-0        sts/db           docker.io/libr…      1      1  830 KiB  2.0 KiB/s    900 B/s  625 KiB  205 KiB        -     -      -',
    ]);
    assertFits(app.frame(), 160, 45);
  });

  test('at 80×24: the image and runtime give way; name, pod, counts, bytes, rates and retransmits stay', async () => {
    app = await renderApp({ width: 80, height: 24 });
    await app.press('3');
    assert.deepEqual(tableLines(app.frame()), [
      ' 1 Conns  2 Procs [3 Ctrs (2)] 4 Peers  5 Listen  6 Events   sort BYTES▼',
      'NAME         POD            PROCS  CONNS   BYTES▼     SEND/s     RECV/s  RETRANS',
      'web          -                  1      1 45.9 MiB  1.2 MiB/s  3.0 KiB/s        -',
      'postgres     prod/db-0          1      1  830 KiB  2.0 KiB/s    900 B/s        -',
    ]);
    assertFits(app.frame(), 80, 24);
  });

  test('Tab reaches it right after Processes', async () => {
    app = await renderApp({ width: 80, height: 24 });
    await app.press(keys.tab);
    await app.press(keys.tab);
    assert.match(app.frame(), /\[3 Ctrs \(2\)\]/);
  });
});

describe('scoping to a container', () => {
  test('Enter on a container scopes every pane to it and the header says so; Esc leaves', async () => {
    app = await renderApp({ width: 80, height: 24 });
    await app.press('3');
    await app.press(keys.enter);
    assert.deepEqual(linesOf(app.frame()).slice(0, 7), [
      'netscope · web-1 · up 1m00s · ebpf · every 1s',
      '4 conns: 3 ESTAB 1 closed · 2 listening',
      '↑ 1.2 MiB/s ↓ 410 KiB/s                           ▇▇▇▇▇██▇▇▇████████████████████',
      'retrans 0/s · drops 0/s · resets 0/s · lost 0',
      'scope: container web (docker) · Esc leaves',
      '[1 Conns (1/4)] 2 Procs  3 Ctrs  4 Peers  5 Listen  6 Events   sort RATE/s▼',
      'PROCESS      REMOTE                  STATE         RATE/s▼     SEND/s     RECV/s',
    ]);
    assert.equal(linesWith(app.frame(), '203.0.113.7:51234').length, 1, 'nginx, which runs in web');
    assertFits(app.frame(), 80, 24);

    const inScope = { '2': 'nginx', '3': 'web', '4': '203.0.113.7', '5': '0.0.0.0:443', '6': 'SYN_RECV→ESTAB' } as const;
    const outOfScope = ['curl', 'postgres', '93.184.216.34', '[::]:5432', 'NETFILTER_DROP'];
    for (const [digit, row] of Object.entries(inScope)) {
      await app.press(digit);
      const frame = app.frame();
      assert.ok(linesWith(frame, row).length >= 1, `${row} in pane ${digit}:\n${frame}`);
      for (const other of outOfScope) assert.equal(linesWith(frame, other).length, 0, `${other} is out of scope in pane ${digit}:\n${frame}`);
    }

    await app.press(keys.escape);
    assert.doesNotMatch(app.frame(), /scope:/);
    assert.ok(linesWith(app.frame(), 'NETFILTER_DROP').length >= 1, 'every event is back');
  });

  test('--pod starts scoped to the pod, named in the header at 160 columns', async () => {
    app = await renderApp({ width: 160, height: 45, initialState: initialUiState({ intervalMs: 1000, pod: 'prod/db-0' }) });
    const lines = linesOf(app.frame());
    assert.equal(lines[4], 'scope: container postgres (containerd) in pod prod/db-0 · Esc leaves');
    assert.equal(lines[5], '[1 Connections (1/4)] 2 Processes  3 Containers  4 Peers  5 Listeners  6 Events   sort RATE/s▼');
    assert.equal(linesWith(app.frame(), '[2001:db8::20]:48810').length, 1);
    assertFits(app.frame(), 160, 45);
  });

  test('--container that matches nothing says so under the empty table, keeps the scope, and lets go once the container shows up', async () => {
    app = await renderApp({ width: 80, height: 24, initialState: initialUiState({ intervalMs: 1000, container: 'api' }) });
    const lines = linesOf(app.frame());
    assert.equal(lines[4], 'scope: containers matching "api" (none yet) · Esc leaves');
    assert.ok(linesWith(app.frame(), 'no rows match (4 hidden by the filter or scope)').length === 1, app.frame());
    assert.equal(lines.at(-2), 'no container matches "api" yet — Esc shows all');
    assert.match(lines.at(-1) ?? '', /^Esc leave scope/);
    assertFits(app.frame(), 80, 24);

    const snapshot = buildSnapshot();
    const template = snapshot.connections[0];
    assert.ok(template);
    const api = { ...containers.web, id: `a91${'0'.repeat(61)}`, name: 'api', image: 'example/api:3' };
    const connections = [...snapshot.connections, { ...template, id: 1999, daddr: '192.0.2.99', owner: { ...template.owner, pid: 2001, comm: 'api-server', container: api } }];
    app.store.publish(buildScreenInput({ ...snapshot, connections, processes: processesOf(connections), containers: containersOf(connections) }));
    await delay(20);
    assert.equal(linesOf(app.frame())[4], 'scope: container api (docker) · Esc leaves');
    assert.equal(linesWith(app.frame(), 'no container matches').length, 0);
    assert.equal(linesWith(app.frame(), '192.0.2.99').length, 1);
  });

  test('Esc leaves a scope that matched nothing, and its note with it', async () => {
    app = await renderApp({ width: 80, height: 24, initialState: initialUiState({ intervalMs: 1000, container: 'api' }) });
    await app.press(keys.escape);
    assert.equal(linesWith(app.frame(), 'no container matches').length, 0);
    assert.ok(linesWith(app.frame(), '93.184.216.34').length >= 1);
  });
});

describe('containers elsewhere', () => {
  test('at 160 columns the Processes pane names each process’s container, - on the host', async () => {
    app = await renderApp({ width: 160, height: 45 });
    await app.press('2');
    const [, header = '', ...rows] = tableLines(app.frame());
    const at = header.indexOf('CONTAINER');
    assert.ok(at > 0, header);
    const containerOf = (process: string) => rows.find((row) => row.includes(` ${process} `))?.slice(at).split(' ')[0];
    assert.equal(containerOf('nginx'), 'web');
    assert.equal(containerOf('postgres'), 'postgres');
    assert.equal(containerOf('curl'), '-');
  });

  test('at 80 columns the container column is gone from Connections and Processes, and the rest is as before', async () => {
    app = await renderApp({ width: 80, height: 24 });
    // A row on screen retransmits and drops: those columns outrank SEND/s and RECV/s.
    assert.equal(tableLines(app.frame())[1], 'PROCESS         REMOTE                     STATE         RATE/s▼  RETRANS  DROPS');
    await app.press('2');
    assert.equal(tableLines(app.frame())[1], '    PID PROCESS           CONNS   BYTES▼     SEND/s     RECV/s  RETRANS  DROPS');
  });

  test('a connection’s page names the container its process runs in', async () => {
    app = await renderApp({ width: 80, height: 24 });
    await app.press(keys.enter);
    assert.equal(app.store.detailConnectionCalls.at(-1), cookies.nginx);
    assert.ok(linesOf(app.frame()).some((line) => /^Process\s+nginx · pid 812 · container web \(docker\)$/.test(line)), app.frame());
    assertFits(app.frame(), 80, 24);
  });

  test('/ctr:web keeps only the rows of container web', async () => {
    app = await renderApp({ width: 80, height: 24 });
    await app.press('/ctr:web');
    assert.equal(linesWith(app.frame(), '203.0.113.7').length, 1);
    for (const other of ['93.184.216.34', '2001:db8::20']) assert.equal(linesWith(app.frame(), other).length, 0, other);
  });
});
