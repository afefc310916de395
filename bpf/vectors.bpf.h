// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0-only
// Vector writes (writev, pwritev and their 32-bit forms): their iovecs, read once into
// per-CPU scratch space, and the state of the copy that follows them into a record.
// Part of spanlog.bpf.c; included by it only.
#ifndef SPANLOG_VECTORS_BPF_H
#define SPANLOG_VECTORS_BPF_H

#include <stdbool.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "kernel_types.bpf.h"
#include "spanlog.h"

// A vector write's iovecs, read once per write. They live in a per-CPU map, not on the stack:
// kernels without private BPF stacks allow 512 bytes along a whole call chain, and the
// system-call exit's own frame plus 384 bytes of iovecs passes that (libbpf-tools keep
// their large scratch space the same way). A program runs with migration disabled, so only
// a preempting writer on the same CPU could reuse the space mid-copy; its record would hold
// the other write's bytes, never bytes from outside the traced processes' own buffers.
struct sl_vector_scratch {
    struct sl_iovec iovs[SL_MAX_IOV];
    struct sl_compat_iovec compat[SL_MAX_IOV];
};

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct sl_vector_scratch);
} vector_scratch SEC(".maps");

struct sl_vector_copy {
    struct sl_iovec *iovs; // the per-CPU scratch
    __u8 *data;            // the record's payload area
    __u64 offset;
    __u64 want;
    __u32 count;
};

// A vector write's first SL_MAX_IOV iovecs, read in one copy (32-bit ones widened) into the
// scratch space; returns how many were read.
static __always_inline __u32 read_iovecs(__u64 buf, __u64 iov_count, bool compat, struct sl_vector_scratch *scratch)
{
    __u32 count = iov_count < SL_MAX_IOV ? iov_count : SL_MAX_IOV;
    if (!compat)
        return bpf_probe_read_user(scratch->iovs, count * sizeof(struct sl_iovec), (void *)buf) == 0 ? count : 0;
    if (bpf_probe_read_user(scratch->compat, count * sizeof(struct sl_compat_iovec), (void *)buf) != 0)
        return 0;
    for (__u32 i = 0; i < SL_MAX_IOV; i++) {
        if (i >= count)
            break;
        scratch->iovs[i].base = scratch->compat[i].base;
        scratch->iovs[i].len = scratch->compat[i].len;
    }
    return count;
}

#endif
