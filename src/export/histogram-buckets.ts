/** Histogram bucket bounds shared by the Prometheus and OTLP exports, in seconds. */

/**
 * Connect latency and RTT: loopback (tens of µs), a data centre (sub-ms), a WAN (tens to
 * hundreds of ms), and handshakes that needed SYN retransmits (1 s, 3 s, 7 s).
 */
export const LATENCY_BUCKETS_SECONDS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A tick: a few ms on a quiet host, up to seconds with 100,000+ sockets to sample. */
export const TICK_DURATION_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
