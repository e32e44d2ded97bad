import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseFilter } from '../../src/filter/filter-query.js';
import { selectTable } from '../../src/ui/view-model/select-table.js';
import { initialUiState } from '../../src/ui/view-model/ui-reducer.js';
import type { PaneId } from '../../src/ui/view-model/ui-state.js';
import type { ModelSnapshot } from '../../src/model/snapshot-types.js';
import { NOW, connection, containerIdentity, event, listener, snapshot } from '../ui/view-model/snapshot-builder.js';

/**
 * 1 curl 1234      10.0.0.1:40000 → 93.184.216.34:443   ESTABLISHED
 * 2 nginx 800      10.0.0.1:80    ← 203.0.113.9:51515   ESTABLISHED
 * 3 postgres 900   127.0.0.1:5432 ↔ 127.0.0.1:40001     TIME_WAIT
 * 4 redis 950      [::1]:6379     ↔ [::1]:40002         CLOSE_WAIT
 * 5 curl 1235      10.0.0.1:40003 → 93.184.216.34:80    SYN_SENT
 */
function model(): ModelSnapshot {
  return snapshot({
    connections: [
      connection({ id: 1 }),
      connection({
        id: 2,
        sport: 80,
        daddr: '203.0.113.9',
        dport: 51515,
        owner: { pid: 800, comm: 'nginx', cmdline: 'nginx: worker process', user: 'www-data', uid: 33 },
      }),
      connection({
        id: 3,
        saddr: '127.0.0.1',
        sport: 5432,
        daddr: '127.0.0.1',
        dport: 40001,
        state: 'TIME_WAIT',
        owner: { pid: 900, comm: 'postgres', cmdline: 'postgres: app appdb 127.0.0.1(40001) idle', user: 'postgres', uid: 70 },
      }),
      connection({
        id: 4,
        family: 'ipv6',
        saddr: '::1',
        sport: 6379,
        daddr: '::1',
        dport: 40002,
        state: 'CLOSE_WAIT',
        owner: { pid: 950, comm: 'redis-server', cmdline: 'redis-server *:6379', user: 'redis', uid: 71 },
      }),
      connection({ id: 5, sport: 40003, dport: 80, state: 'SYN_SENT', owner: { pid: 1235 } }),
    ],
    listeners: [
      listener({ id: 900, sport: 80 }),
      listener({ id: 901, saddr: '127.0.0.1', sport: 5432, owner: { pid: 900, comm: 'postgres', cmdline: 'postgres -D /var/lib/postgresql' } }),
    ],
    events: [
      event({ atMs: NOW - 100, kind: 'drop', connectionId: null, pid: null, comm: null, fromState: null, toState: null, reason: 'NETFILTER_DROP', saddr: '198.51.100.4', sport: 5555, daddr: '10.0.0.1', dport: 22 }),
      event({ atMs: NOW - 200, kind: 'reset', connectionId: 2, pid: 800, comm: 'nginx', fromState: null, toState: null, direction: 'sent', reason: 'NOT_SPECIFIED', sport: 80, daddr: '203.0.113.9', dport: 51515 }),
      event({ atMs: NOW - 300 }),
    ],
  });
}

const shared = model();

function matching(filter: string, pane: PaneId = 'connections', data: ModelSnapshot = shared): readonly string[] {
  const state = { ...initialUiState({ intervalMs: 1000 }), pane, filter: { text: filter, editing: false } };
  return [...selectTable({ snapshot: data, state, width: 160, rowLines: 30 }).navigation.keys].sort();
}

describe('filter query', () => {
  test('splits alternatives on | and words on spaces, with field terms among them', () => {
    const parsed = parseFilter("curl 'exact !not|pid:12 ^pre suf$ =whole");
    assert.equal(parsed.error, null);
    assert.deepEqual(
      parsed.groups.map((group) => group.map((term) => (term.kind === 'text' ? `${term.negated ? '!' : ''}${term.match}:${term.text}` : term.kind))),
      [
        ['fuzzy:curl', 'include:exact', '!include:not'],
        ['pid', 'prefix:pre', 'suffix:suf', 'exact:whole'],
      ],
    );
  });

  test('words still being typed constrain nothing', () => {
    assert.deepEqual(parseFilter('n').groups, []);
    assert.deepEqual(parseFilter('pid:').groups, []);
    assert.deepEqual(parseFilter("'").groups, []);
    assert.deepEqual(parseFilter('  ').groups, []);
  });

  test('a field term that cannot mean anything is an error, not an exception', () => {
    assert.match(parseFilter('pid:abc').error ?? '', /^pid:abc — /);
    assert.match(parseFilter('port:70000').error ?? '', /^port:70000 — /);
    assert.match(parseFilter('nginx state:bogus').error ?? '', /^state:bogus — /);
    assert.equal(parseFilter('PORT:443').error, null);
  });

  test('state: matches state names by prefix, case-insensitively', () => {
    const [term] = parseFilter('state:Fin').groups[0] ?? [];
    assert.deepEqual(term?.kind === 'state' ? [...term.states].sort() : null, ['FIN_WAIT1', 'FIN_WAIT2']);
    const [closeWait] = parseFilter('state:close-w').groups[0] ?? [];
    assert.deepEqual(closeWait?.kind === 'state' ? [...closeWait.states] : null, ['CLOSE_WAIT']);
  });
});

describe('filtering the connections pane', () => {
  test('matches process names fuzzily', () => {
    assert.deepEqual(matching('ngnx'), ['2']);
    assert.deepEqual(matching('curl'), ['1', '5']);
    assert.deepEqual(matching('redis'), ['4']);
  });

  test("'word, =word, ^word and word$ match literally", () => {
    assert.deepEqual(matching("'gres"), ['3']);
    assert.deepEqual(matching('=curl'), ['1', '5']);
    assert.deepEqual(matching('^93.184'), ['1', '5']);
    assert.deepEqual(matching('.34$'), ['1', '5']);
  });

  test('!word keeps only the rows where no field contains it', () => {
    assert.deepEqual(matching('!curl'), ['2', '3', '4']);
    assert.deepEqual(matching('!curl !nginx'), ['3', '4']);
  });

  test('| is OR, space is AND across fields', () => {
    assert.deepEqual(matching('curl|nginx'), ['1', '2', '5']);
    assert.deepEqual(matching('curl 443'), ['1']);
    assert.deepEqual(matching('curl | 6379'), ['1', '4', '5']);
  });

  test('ports and addresses match literally, never fuzzily', () => {
    assert.deepEqual(matching('443'), ['1']);
    assert.deepEqual(matching('5151'), []);
    assert.deepEqual(matching('203.0'), ['2']);
    assert.deepEqual(matching('::1'), ['4']);
  });

  test("a bare number is a port or pid, exactly, even where a command line contains it", () => {
    // postgres's command line holds 40001, its peer's port: only the port counts.
    assert.deepEqual(matching('40001'), ['3']);
    assert.deepEqual(matching('6379'), ['4']);
    assert.deepEqual(matching('950'), ['4']);
    assert.deepEqual(matching('appdb'), ['3'], 'words are still fuzzy over command lines');
  });

  test('addr:port and [v6]:port match that endpoint, local or remote, and nothing else', () => {
    assert.deepEqual(matching('127.0.0.1:5432'), ['3']);
    assert.deepEqual(matching('127.0.0.1:40001'), ['3']);
    assert.deepEqual(matching('127.0.0.1:4000'), []);
    assert.deepEqual(matching('[::1]:6379'), ['4']);
    assert.deepEqual(matching('93.184.216.34:443'), ['1']);
    assert.deepEqual(matching('!93.184.216.34:443'), ['2', '3', '4', '5']);
    assert.deepEqual(matching('127.0.0.1:5432', 'listeners'), ['901/900']);
  });

  test('pid:, port: (either side) and state: select by field, negated with !', () => {
    assert.deepEqual(matching('pid:900'), ['3']);
    assert.deepEqual(matching('port:443'), ['1']);
    assert.deepEqual(matching('port:80'), ['2', '5']);
    assert.deepEqual(matching('state:estab'), ['1', '2']);
    assert.deepEqual(matching('state:time'), ['3']);
    assert.deepEqual(matching('!port:80'), ['1', '3', '4']);
  });

  test('proto: keeps TCP connections or UDP flows; anything else is an error', () => {
    const data = snapshot({
      connections: [
        connection({ id: 1 }),
        connection({ id: 2, protocol: 'udp', dport: 53, udp: { socketCookie: 2, connected: true, receiveQueue: 0, socketDrops: 0, lastPacketAtMs: NOW } }),
      ],
    });
    assert.deepEqual(matching('proto:udp', 'connections', data), ['2']);
    assert.deepEqual(matching('proto:TCP', 'connections', data), ['1']);
    assert.deepEqual(matching('!proto:udp', 'connections', data), ['1']);
    assert.deepEqual(matching('udp', 'connections', data), ['2'], 'the word alone finds the protocol too');
    assert.match(parseFilter('proto:icmp').error ?? '', /^proto:icmp — the protocol is tcp or udp$/);
  });

  test('field terms and words combine with AND', () => {
    assert.deepEqual(matching('state:estab curl'), ['1']);
    assert.deepEqual(matching('port:80 curl'), ['5']);
    assert.deepEqual(matching('pid:800 curl'), []);
  });

  test('an unusable filter matches nothing', () => {
    assert.deepEqual(matching('pid:abc'), []);
    assert.deepEqual(matching('curl port:99999'), []);
  });

  test('an unfinished filter keeps every row', () => {
    assert.deepEqual(matching('c'), ['1', '2', '3', '4', '5']);
    assert.deepEqual(matching('port:'), ['1', '2', '3', '4', '5']);
  });

  test('the same row array answers new filters, and a new snapshot gets its own index', () => {
    assert.deepEqual(matching('nginx'), ['2']);
    assert.deepEqual(matching('postgres'), ['3']);
    const next = model();
    next.connections[0] = connection({ id: 1, owner: { comm: 'wget', cmdline: 'wget https://example.com/' } });
    assert.deepEqual(matching('wget', 'connections', next), ['1']);
    assert.deepEqual(matching('wget'), []);
  });
});

describe('filtering the other panes', () => {
  test('processes match by name, command line and pid; port: and state: by their connections', () => {
    assert.deepEqual(matching('nginx', 'processes'), ['800']);
    assert.deepEqual(matching('appdb', 'processes'), ['900']);
    assert.deepEqual(matching('1234', 'processes'), ['1234']);
    assert.deepEqual(matching('pid:1235', 'processes'), ['1235']);
    assert.deepEqual(matching('port:5432', 'processes'), ['900']);
    assert.deepEqual(matching('state:syn', 'processes'), ['1235']);
  });

  test('peers match by address, and field terms by their connections', () => {
    assert.deepEqual(matching('203.0', 'peers'), ['203.0.113.9']);
    // A word narrows the connections; the Peers pane sums the kept ones: nginx's peer.
    assert.deepEqual(matching('nginx', 'peers'), ['203.0.113.9']);
    assert.deepEqual(matching('pid:800', 'peers'), ['203.0.113.9']);
    assert.deepEqual(matching('port:443', 'peers'), ['93.184.216.34']);
  });

  test('listeners match by process and port', () => {
    assert.deepEqual(matching('nginx', 'listeners'), ['900/800']);
    assert.deepEqual(matching('5432', 'listeners'), ['901/900']);
    assert.deepEqual(matching('port:80', 'listeners'), ['900/800']);
    assert.deepEqual(matching('state:listen', 'listeners'), ['900/800', '901/900']);
    assert.deepEqual(matching('state:estab', 'listeners'), []);
  });

  test('events match by process, addresses, ports, states and reason', () => {
    const keys = selectTable({ snapshot: shared, state: { ...initialUiState({ intervalMs: 1000 }), pane: 'events' }, width: 160, rowLines: 30 }).navigation.keys;
    const [drop, reset, stateChange] = keys;
    assert.deepEqual(matching('netfilter', 'events'), [drop]);
    assert.deepEqual(matching('nginx', 'events'), [reset]);
    assert.deepEqual(matching('198.51', 'events'), [drop]);
    assert.deepEqual(matching('port:22', 'events'), [drop]);
    assert.deepEqual(matching('state:estab', 'events'), [stateChange]);
    assert.deepEqual(matching('pid:800', 'events'), [reset]);
  });
});

/**
 * 1 nginx 800     in docker container web                 → 203.0.113.9:51515
 * 2 postgres 900  in containerd container postgres, prod/db-0, :5432 ← 10.0.0.20
 * 3 curl 1234     on the host                             → 93.184.216.34:443
 */
const web = containerIdentity();
const db = containerIdentity({ id: `c0ffee${'0'.repeat(58)}`, name: 'postgres', runtime: 'containerd', image: 'postgres:16', pod: 'db-0', namespace: 'prod' });
const webKey = `docker/${web.id}`;
const dbKey = `containerd/${db.id}`;
const containerised = snapshot({
  connections: [
    connection({ id: 1, sport: 80, daddr: '203.0.113.9', dport: 51515, owner: { pid: 800, comm: 'nginx', cmdline: 'nginx -g daemon off;', container: web } }),
    connection({ id: 2, sport: 5432, daddr: '10.0.0.20', dport: 40001, owner: { pid: 900, comm: 'postgres', cmdline: 'postgres: app appdb', container: db } }),
    connection({ id: 3, owner: { pid: 1234, comm: 'curl', cmdline: 'curl -sS https://example.com/' } }),
  ],
  listeners: [
    listener({ id: 900, sport: 80, owner: { pid: 800, cmdline: 'nginx -g daemon off;', container: web } }),
    listener({ id: 901, sport: 5432, owner: { pid: 900, comm: 'postgres', cmdline: 'postgres -D /var/lib/postgresql/data', container: db } }),
    listener({ id: 902, sport: 22, owner: { pid: 1, comm: 'sshd', cmdline: 'sshd: /usr/sbin/sshd -D' } }),
  ],
  events: [
    event({ atMs: NOW - 1, kind: 'reset', connectionId: 1, pid: 800, comm: 'nginx', fromState: null, toState: null, direction: 'sent' }),
    event({ atMs: NOW - 2, kind: 'retransmit', connectionId: 2, pid: 900, comm: 'postgres', fromState: null, toState: 'ESTABLISHED' }),
    event({ atMs: NOW - 3, connectionId: 3 }),
  ],
});

function matchingContainerised(filter: string, pane: PaneId = 'connections'): readonly string[] {
  return matching(filter, pane, containerised);
}

describe('ctr: and pod:', () => {
  test('parse as field terms, negatable, the prefix in any case', () => {
    assert.deepEqual(parseFilter('ctr:web').groups, [[{ kind: 'container', container: 'web', negated: false }]]);
    assert.deepEqual(parseFilter('!POD:prod/db-0').groups, [[{ kind: 'pod', pod: 'prod/db-0', negated: true }]]);
  });

  test('with the value still being typed they constrain nothing, like pid:', () => {
    for (const text of ['ctr:', 'pod:', 'pod:prod/']) assert.deepEqual(parseFilter(text), { groups: [], error: null }, text);
  });

  test('a value that cannot name a container or pod is an error that says what would', () => {
    assert.equal(parseFilter('pod:/db-0').error, 'pod:/db-0 — a pod is NAME or NAMESPACE/NAME, e.g. pod:db-0 or pod:prod/db-0');
    assert.match(parseFilter('nginx pod:a/b/c').error ?? '', /^pod:a\/b\/c — a pod is NAME or NAMESPACE\/NAME/);
    assert.equal(parseFilter('ctr:prod/db-0').error, 'ctr:prod/db-0 — a container is its name or the start of its id; for a pod use pod:prod/db-0');
    assert.deepEqual(matchingContainerised('pod:/db-0'), []);
  });

  test('ctr: takes a container name or the start of its id, as --container does', () => {
    assert.deepEqual(matchingContainerised('ctr:web'), ['1']);
    assert.deepEqual(matchingContainerised('ctr:3f2a9c'), ['1']);
    assert.deepEqual(matchingContainerised('ctr:c0ffee'), ['2']);
    assert.deepEqual(matchingContainerised('ctr:we'), [], 'a name matches whole');
    assert.deepEqual(matchingContainerised('ctr:Web'), [], 'and exactly, as docker names are');
    assert.deepEqual(matchingContainerised('!ctr:web'), ['2', '3'], 'host processes are in no container');
  });

  test('pod: takes a pod name or namespace/name, as --pod does', () => {
    assert.deepEqual(matchingContainerised('pod:db-0'), ['2']);
    assert.deepEqual(matchingContainerised('pod:prod/db-0'), ['2']);
    assert.deepEqual(matchingContainerised('pod:prod'), [], 'a namespace alone names no pod');
    assert.deepEqual(matchingContainerised('pod:staging/db-0'), []);
  });

  test('combine with words and other terms', () => {
    assert.deepEqual(matchingContainerised('ctr:web|pod:db-0'), ['1', '2']);
    assert.deepEqual(matchingContainerised('ctr:web port:80'), ['1']);
    assert.deepEqual(matchingContainerised('pod:db-0 nginx'), []);
  });

  test('select in every pane: by the row’s own container, else by its connections', () => {
    assert.deepEqual(matchingContainerised('ctr:web', 'processes'), ['800']);
    assert.deepEqual(matchingContainerised('pod:db-0', 'containers'), [dbKey]);
    assert.deepEqual(matchingContainerised('ctr:c0ffee', 'containers'), [dbKey]);
    assert.deepEqual(matchingContainerised('ctr:web', 'peers'), ['203.0.113.9']);
    assert.deepEqual(matchingContainerised('pod:db-0', 'listeners'), ['901/900']);
    assert.deepEqual(matchingContainerised('!ctr:web', 'listeners'), ['901/900', '902/1']);
    assert.deepEqual(matchingContainerised('ctr:postgres', 'events'), [`2/${NOW - 2}/retransmit/0`]);
  });

  test('the containers pane answers pid:, port: and state: through its processes and connections', () => {
    assert.deepEqual(matchingContainerised('pid:800', 'containers'), [webKey]);
    assert.deepEqual(matchingContainerised('port:5432', 'containers'), [dbKey]);
    assert.deepEqual(matchingContainerised('state:estab', 'containers'), [dbKey, webKey].sort());
  });
});

describe('fuzzy words and containers', () => {
  test('match container names, pods and namespaces in the connections, processes and listeners panes', () => {
    assert.deepEqual(matchingContainerised('web'), ['1']);
    assert.deepEqual(matchingContainerised('db-0'), ['2']);
    assert.deepEqual(matchingContainerised('prod'), ['2']);
    assert.deepEqual(matchingContainerised('web', 'processes'), ['800']);
    assert.deepEqual(matchingContainerised('prod', 'listeners'), ['901/900']);
  });

  test('match a container by its name, pod, namespace, runtime, image or the names of its processes', () => {
    assert.deepEqual(matchingContainerised('web', 'containers'), [webKey]);
    assert.deepEqual(matchingContainerised('prod', 'containers'), [dbKey]);
    assert.deepEqual(matchingContainerised('containerd', 'containers'), [dbKey]);
    assert.deepEqual(matchingContainerised('nginx', 'containers'), [webKey]);
    assert.deepEqual(matchingContainerised("'postgres:16", 'containers'), [dbKey]);
  });
});
