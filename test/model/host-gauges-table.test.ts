import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConnectionModel } from '../../src/model/connection-model.js';
import { HOST_NETNS, T0, ownerRecord } from './record-builders.js';
import { gaugesRecord, kernelCounters, namespaceGauges } from './gauge-builders.js';

const OTHER_NETNS = 4026532500;

describe('host gauges in the model', () => {
  test('keeps the latest read per namespace, and forgets a namespace the next read lacks', () => {
    const model = new ConnectionModel();
    model.ingest(gaugesRecord({ atMs: T0, namespaces: [namespaceGauges({ timeWait: 3 }), namespaceGauges({ netns: OTHER_NETNS, closeWait: 2 })] }));
    let gauges = model.tick(T0 + 1000).gauges;
    assert.equal(gauges.atMs, T0);
    assert.deepEqual(
      gauges.namespaces.map((namespace) => [namespace.netns, namespace.timeWait, namespace.closeWait]),
      [
        [HOST_NETNS, 3, 0],
        [OTHER_NETNS, 0, 2],
      ],
    );
    model.ingest(gaugesRecord({ atMs: T0 + 1000, namespaces: [namespaceGauges({ timeWait: 5 })] }));
    gauges = model.tick(T0 + 2000).gauges;
    assert.deepEqual(gauges.namespaces.map((namespace) => [namespace.netns, namespace.timeWait]), [[HOST_NETNS, 5]]);
  });

  test('turns the kernel counters into rates per second between a namespace\'s reads', () => {
    const model = new ConnectionModel();
    model.ingest(gaugesRecord({ atMs: T0, namespaces: [namespaceGauges({ kernelCounters: kernelCounters({ listenOverflows: 100, listenDrops: 100 }) })] }));
    assert.equal(model.tick(T0 + 500).gauges.namespaces[0]?.kernelCounterRates, null, 'no rate from one read');
    model.ingest(gaugesRecord({ atMs: T0 + 2000, namespaces: [namespaceGauges({ kernelCounters: kernelCounters({ listenOverflows: 110, listenDrops: 104 }) })] }));
    const namespace = model.tick(T0 + 2500).gauges.namespaces[0];
    assert.equal(namespace?.kernelCounterRates?.listenOverflows, 5);
    assert.equal(namespace?.kernelCounterRates?.listenDrops, 2);
    assert.equal(namespace?.kernelCounters?.listenOverflows, 110, 'the cumulative value stays beside the rate');
  });

  test('an older read arriving late does not replace a newer one', () => {
    const model = new ConnectionModel();
    model.ingest(gaugesRecord({ atMs: T0 + 1000, namespaces: [namespaceGauges({ timeWait: 7 })] }));
    model.ingest(gaugesRecord({ atMs: T0, namespaces: [namespaceGauges({ timeWait: 1 })] }));
    assert.equal(model.tick(T0 + 2000).gauges.namespaces[0]?.timeWait, 7);
  });

  test('keeps the last descriptor count between counts, named from the owner records', () => {
    const model = new ConnectionModel();
    model.ingest(ownerRecord({ cookie: 0, atMs: T0, pid: 812, comm: 'nginx' }));
    model.ingest(gaugesRecord({ atMs: T0, processDescriptors: [{ pid: 812, descriptors: 900, limit: 1024 }] }));
    model.ingest(gaugesRecord({ atMs: T0 + 1000, processDescriptors: null }));
    const gauges = model.tick(T0 + 1500).gauges;
    assert.deepEqual(gauges.processDescriptors, [{ pid: 812, descriptors: 900, limit: 1024, comm: 'nginx' }]);
    assert.equal(gauges.descriptorsAtMs, T0);
    assert.equal(gauges.atMs, T0 + 1000);
  });
});
