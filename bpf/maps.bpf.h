// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0-only
// The maps and global data spanlog's BPF program shares with user space (the collector
// reaches each through the generated skeleton, Sources/CSpanlogBPF/include/spanlog.skel.h),
// and the counters of what it leaves out. Part of spanlog.bpf.c; included by it only.
#ifndef SPANLOG_MAPS_BPF_H
#define SPANLOG_MAPS_BPF_H

#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "spanlog.h"
#include "kernel_types.bpf.h"

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 32 << 20); // set from --ring-buffer-size before load
} events SEC(".maps");

// Processes (thread group ids) whose writes are captured, one bit per possible pid. A
// bitmap in global data is tested with a load and a mask, where a hash map would cost a
// helper call and a hash on every write of every process. Children are added at fork, and
// user space sets bits through the map's shared memory.
__u64 target_bits[SL_TARGET_WORDS];

// Capture verdicts for regular files, filled from user space by matching paths to the globs.
struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 65536);
    __type(key, struct sl_file_key);
    __type(value, struct sl_file_verdict);
} file_verdicts SEC(".maps");

// Pipes and socket pairs a traced process created (pipe, pipe2, socketpair): output into
// them stays inside the traced tree (a `$(…)`, the left side of `a | b` in a script), so it is
// not captured; what the reading side passes on is. LRU: a pipe whose entry is pushed out
// (65,536 newer ones) counts as one from outside again.
struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 65536);
    __type(key, struct sl_file_key);
    __type(value, __u8);
} tree_pipes SEC(".maps");

// Each traced process's stdout and stderr when it came under trace, by thread group id:
// copied to children at fork, taken from the process itself when it is first seen otherwise
// (and set by user space for the command spanlog starts).
struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 65536);
    __type(key, __u32);
    __type(value, struct sl_origin);
} origins SEC(".maps");

// Command names whose programs come under trace when they start (--comm), zero-padded.
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, SL_MAX_NAMED_TARGETS);
    __type(key, char[SL_COMM_LEN]);
    __type(value, __u8);
} target_comms SEC(".maps");

// cgroup v2 ids whose every process is traced (--cgroup).
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, SL_MAX_NAMED_TARGETS);
    __type(key, __u64);
    __type(value, __u8);
} target_cgroups SEC(".maps");

// --span-io: each targeted thread's reads and writes, by thread id (LRU: a thread whose entry
// was pushed out starts again from zero, and a span it is in loses its I/O figures).
struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 65536);
    __type(key, __u32);
    __type(value, struct sl_thread_io);
} thread_io SEC(".maps");

// Writes the capture rules leave out, per reason, per CPU.
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, SL_SKIPPED_REASONS);
    __type(key, __u32);
    __type(value, struct sl_skipped);
} skipped SEC(".maps");

// Events that found no room in the ring buffer, per CPU.
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} lost SEC(".maps");

static __always_inline void count_lost(void)
{
    __u32 zero = 0;
    __u64 *counter = bpf_map_lookup_elem(&lost, &zero);
    if (counter)
        SL_ATOMIC_ADD(counter, 1);
}

static __always_inline void count_skipped(__u32 reason, __u64 bytes)
{
    struct sl_skipped *counter = bpf_map_lookup_elem(&skipped, &reason);
    if (counter) {
        counter->writes += 1; // per CPU: no other writer
        counter->bytes += bytes;
    }
}

#endif
