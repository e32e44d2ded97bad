/**
 * Names from the DNS answers local sockets receive: drains the DNS answer capture's ring
 * buffer and hands the model one `name` record per A/AAAA answer.
 */
import type { ModelRecord } from '../model/records.js';
import type { ProbeStatus } from '../model/snapshot-types.js';
import { loadDnsAnswerProbe } from '../probes/dns-answer-probe.js';
import { decodeDnsAnswers, dnsAnswerLayout } from '../probes/dns-answers.js';
import type { HostPaths } from '../probes/host-paths.js';
import type { KernelClock } from '../probes/kernel-clock.js';
import type { BpfObjectHandle } from '../probes/native.js';
import { namesFromDnsAnswer } from './dns-answer-names.js';

/** 1 MiB: about 1,800 answers between two drains. */
const RING_BUFFER_BYTES = 1 << 20;
const DRAIN_BATCH_RECORDS = 256;

export class DnsAnswerSource {
  readonly status: ProbeStatus;
  private readonly object: BpfObjectHandle | null;
  private readonly batch = Buffer.alloc(DRAIN_BATCH_RECORDS * dnsAnswerLayout.size);

  constructor(
    paths: HostPaths,
    private readonly clock: KernelClock,
    private readonly sink: (record: ModelRecord) => void,
  ) {
    const probe = loadDnsAnswerProbe(paths, RING_BUFFER_BYTES);
    this.object = probe.object;
    this.status = probe.status;
  }

  drain(): void {
    if (this.object === null) return;
    let count: number;
    do {
      count = this.object.drain(this.batch);
      decodeDnsAnswers(this.batch, count, this.clock, (capture) => {
        const outcome = namesFromDnsAnswer(capture);
        if ('records' in outcome) for (const record of outcome.records) this.sink(record);
      });
    } while (count === DRAIN_BATCH_RECORDS);
  }

  /** Answers the kernel could not queue because the ring buffer was full. */
  lostAnswers(): number {
    return this.object?.lostEvents() ?? 0;
  }

  /** Detaches the program (its bpf_link goes with the object); safe to call twice. */
  stop(): void {
    this.object?.close();
  }
}
