import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConnectionModel } from '../../src/model/connection-model.js';
import { TcpState } from '../../src/model/records.js';
import { ChunkDecoder, ChunkEncoder, entryBound, type FlightEntry } from '../../src/recording/flight-codec.js';
import { headerLine, parseRecording, recordLine, tickLine } from '../../src/recording/recording-format.js';
import { endpoints, natRecord, sampleRecord, stateRecord, taskOwner, udpFlowRecord } from '../model/record-builders.js';
import { header, T0 } from './recording-builders.js';

const socket = endpoints({ saddr: '10.244.1.5', sport: 40000, daddr: '10.96.0.10', dport: 53 });

function recordingOf(version: 1 | 2): Buffer {
  return Buffer.from(
    `${[
      headerLine({ ...header(), netscopeRecording: version }),
      recordLine(stateRecord({ cookie: 7, atMs: T0 + 10, endpoints: socket, oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT, owner: taskOwner() })),
      recordLine(natRecord({ cookie: 7, atMs: T0 + 1000 })),
      tickLine(T0 + 1000),
    ].join('\n')}\n`,
  );
}

describe('nat records in recordings', () => {
  test('a version 2 recording carries them, and the replayed model shows the translation', () => {
    const recording = parseRecording(recordingOf(2), 'nat.ndjson');
    const model = new ConnectionModel();
    for (const record of recording.ticks[0]?.records ?? []) model.ingest(record);
    assert.deepEqual(model.tick(T0 + 1000).connections[0]?.nat?.destination, { address: '10.244.1.7', port: 5353 });
  });

  test('a UDP flow\'s nat record names its peer, and the replayed model gives the translation to that flow', () => {
    const lines = [
      headerLine(header()),
      recordLine(udpFlowRecord({ cookie: 30, connected: false, endpoints: endpoints({ sport: 41000, daddr: '10.96.0.10', dport: 53 }) })),
      recordLine(udpFlowRecord({ cookie: 30, connected: false, endpoints: endpoints({ sport: 41000, daddr: '10.96.0.11', dport: 53 }) })),
      recordLine(natRecord({ cookie: 30, atMs: T0 + 1000, udpPeer: { address: '10.96.0.11', port: 53 } })),
      tickLine(T0 + 1000),
    ];
    const recording = parseRecording(Buffer.from(`${lines.join('\n')}\n`), 'udp-nat.ndjson');
    const model = new ConnectionModel();
    for (const record of recording.ticks[0]?.records ?? []) model.ingest(record);
    const flows = model.tick(T0 + 1000).connections;
    assert.deepEqual(flows.map((flow) => [flow.daddr, flow.nat?.destination.address ?? null]), [['10.96.0.10', null], ['10.96.0.11', '10.244.1.7']]);
    const bad = lines.join('\n').replace('"udpPeer":{"address":"10.96.0.11","port":53}', '"udpPeer":{"address":"10.96.0.11"}');
    assert.throws(() => parseRecording(Buffer.from(`${bad}\n`), 'udp-nat.ndjson'), /line 4 is not a valid "nat" record: udpPeer/);
  });

  test('a version 1 recording cannot hold one: it is refused as a kind that version did not have', () => {
    assert.throws(() => parseRecording(recordingOf(1), 'nat.ndjson'), /line 3 is a record of unknown kind "nat"/);
  });

  test('a nat record with a field wrong names the field', () => {
    const bad = recordingOf(2).toString().replace('"direction":"outgoing"', '"direction":"sideways"');
    assert.throws(() => parseRecording(Buffer.from(bad), 'nat.ndjson'), /line 3 is not a valid "nat" record: direction is not one of outgoing, incoming/);
  });

  test('the flight recorder gives them back exactly, in both directions and tables, a UDP flow\'s peer included', () => {
    const entries: FlightEntry[] = [
      sampleRecord({ cookie: 7, atMs: T0, endpoints: socket }),
      natRecord({ cookie: 7, atMs: T0 + 1000 }),
      natRecord({ cookie: 8, atMs: T0 + 1000, direction: 'incoming', table: 'socket', destination: { address: 'fd00::7', port: 8080 }, originalDestination: { address: 'fd00::1', port: 80 } }),
      natRecord({ cookie: 7, atMs: T0 + 2000, direction: 'outgoing', table: 'socket' }),
      natRecord({ cookie: 9, atMs: T0 + 2000, udpPeer: { address: '10.96.0.10', port: 53 } }),
      natRecord({ cookie: 9, atMs: T0 + 2000, direction: 'incoming', table: 'socket', udpPeer: { address: 'fd00::9', port: 40000 } }),
    ];
    const bytes = Buffer.alloc(entries.reduce((sum, entry) => sum + entryBound(entry), 0));
    const encoder = new ChunkEncoder();
    let used = 0;
    for (const entry of entries) used = encoder.encode(entry, bytes, used);
    const decoder = new ChunkDecoder();
    const decoded: FlightEntry[] = [];
    while (decoder.offset < used) decoded.push(decoder.next(bytes));
    assert.deepEqual(decoded, entries);
  });
});
