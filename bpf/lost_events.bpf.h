/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ring buffer reserves that failed because user space fell behind, for the programs that stream
 * records: one per-CPU counter the addon sums by the map's name (BpfObjectWrap::LostEvents).
 */
#ifndef NETSCOPE_LOST_EVENTS_BPF_H
#define NETSCOPE_LOST_EVENTS_BPF_H

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost_events SEC(".maps");

static __always_inline void count_lost_event(void)
{
	__u32 zero = 0;
	__u64 *lost = bpf_map_lookup_elem(&lost_events, &zero);

	/* Per CPU: no other CPU writes this slot, so a plain add does not race. */
	if (lost)
		*lost += 1;
}

#endif
