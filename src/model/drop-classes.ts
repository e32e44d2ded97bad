/**
 * What a kernel drop reason means to someone watching the network, by the reason's name (the
 * numbers of enum skb_drop_reason move between kernels: SOCKET_CLOSE arrived in 6.18 at 4).
 *
 * - `matters`: a packet that should have arrived was lost — to a firewall or filter, a full
 *   buffer or queue, memory pressure, a bad checksum, a missing route, a failed signature.
 * - `refused`: a packet for a port nothing listens on (NO_SOCKET): the kernel answers with a
 *   reset; a refusal, not loss on the way.
 * - `stray`: TCP itself discarding a segment that is stale, duplicate, outside the window or
 *   for a socket that is closing or gone; the protocol answers or ignores it by design.
 * - `housekeeping`: bulk frees that are no packet's fate on the wire (a queue purged when its
 *   socket is destroyed).
 * - `unclassified`: NOT_SPECIFIED (any plain kfree_skb, real drops nobody annotated among them)
 *   and names this table does not know: shown, never counted as network drops.
 */
export type DropClass = 'matters' | 'refused' | 'stray' | 'housekeeping' | 'unclassified';

/** Every class, in the order they are listed and exported. */
export const DROP_CLASSES: readonly DropClass[] = ['matters', 'refused', 'stray', 'housekeeping', 'unclassified'];

const REASONS_BY_CLASS: Readonly<Record<Exclude<DropClass, 'unclassified'>, readonly string[]>> = {
  matters: [
    // Policy: a rule or program chose to drop the packet.
    'NETFILTER_DROP',
    'SOCKET_FILTER',
    'IP_RPFILTER',
    'XFRM_POLICY',
    'BPF_CGROUP_EGRESS',
    'TC_EGRESS',
    'TC_INGRESS',
    'SECURITY_HOOK',
    'XDP',
    // Receiver out of room: the socket's buffer, backlog, window or protocol memory was full.
    'SOCKET_RCVBUFF',
    'SOCKET_BACKLOG',
    'PROTO_MEM',
    'TCP_ZEROWINDOW',
    'TCP_OVERWINDOW',
    'TCP_OFO_QUEUE_PRUNE',
    'TCP_OFO_DROP',
    'TCP_LISTEN_OVERFLOW',
    // Queues and memory on the path.
    'QDISC_DROP',
    'QDISC_OVERLIMIT',
    'QDISC_CONGESTED',
    'CAKE_FLOOD',
    'FQ_BAND_LIMIT',
    'FQ_HORIZON_LIMIT',
    'FQ_FLOW_LIMIT',
    'DUALPI2_STEP_DROP',
    'CPU_BACKLOG',
    'FULL_RING',
    'NOMEM',
    'PFMEMALLOC',
    // Damaged on the way.
    'PKT_TOO_SMALL',
    'TCP_CSUM',
    'IP_CSUM',
    'SKB_CSUM',
    'IP_INHDR',
    'HDR_TRUNC',
    // No way to send or deliver it.
    'IP_OUTNOROUTES',
    'IP_INNOROUTES',
    'NEIGH_CREATEFAIL',
    'NEIGH_FAILED',
    'NEIGH_QUEUEFULL',
    'NEIGH_DEAD',
    'NEIGH_HH_FILLFAIL',
    // Signed segments that failed their signature (TCP-MD5, TCP-AO) or minimum TTL: an attack or a misconfiguration.
    'TCP_AUTH_HDR',
    'TCP_MD5NOTFOUND',
    'TCP_MD5UNEXPECTED',
    'TCP_MD5FAILURE',
    'TCP_AONOTFOUND',
    'TCP_AOUNEXPECTED',
    'TCP_AOKEYNOTFOUND',
    'TCP_AOFAILURE',
    'TCP_MINTTL',
  ],
  refused: ['NO_SOCKET'],
  stray: [
    // For a socket that is closing or gone.
    'SOCKET_CLOSE',
    'TCP_CLOSE',
    'TCP_ABORT_ON_DATA',
    // Stale or duplicate: data or acks the socket already has (a retransmit that crossed its ack).
    'TCP_OLD_DATA',
    'TCP_OFOMERGE',
    'TCP_OLD_ACK',
    'TCP_TOO_OLD_ACK',
    'TCP_OLD_SEQUENCE',
    'TCP_RFC7323_PAWS',
    'TCP_RFC7323_PAWS_ACK',
    'TCP_RFC7323_TW_PAWS',
    'TCP_RFC7323_TSECR',
    // Outside what the connection's state accepts; TCP answers with an ack or a reset.
    'TCP_FLAGS',
    'TCP_INVALID_SEQUENCE',
    'TCP_INVALID_END_SEQUENCE',
    'TCP_INVALID_ACK_SEQUENCE',
    'TCP_INVALID_SYN',
    'TCP_RESET',
    'TCP_ACK_UNSENT_DATA',
  ],
  housekeeping: ['QUEUE_PURGE', 'OTHERHOST'],
};

const CLASS_BY_REASON: ReadonlyMap<string, DropClass> = new Map(
  Object.entries(REASONS_BY_CLASS).flatMap(([dropClass, reasons]) => reasons.map((reason) => [reason, dropClass as DropClass] as const)),
);

/** The class of a drop reason named without its `SKB_DROP_REASON_` prefix; `unclassified` for names not listed. */
export function dropClassOf(reason: string): DropClass {
  return CLASS_BY_REASON.get(reason) ?? 'unclassified';
}

/** The reasons listed for a class (none for `unclassified`: it is the default). */
export function reasonsOfClass(dropClass: DropClass): readonly string[] {
  return dropClass === 'unclassified' ? [] : REASONS_BY_CLASS[dropClass];
}
