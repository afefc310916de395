// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0-only
// A task's cgroups as paths of kernfs node names, in the unified hierarchy and the v1 one
// spanlog reads, across the kernfs_node change of Linux 6.15. Part of spanlog.bpf.c;
// included by it only.
#ifndef SPANLOG_CGROUPS_BPF_H
#define SPANLOG_CGROUPS_BPF_H

#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "kernel_types.bpf.h"
#include "spanlog.h"

static __always_inline struct kernfs_node *kernfs_parent(struct kernfs_node *node)
{
    if (bpf_core_field_exists(node->__parent))
        return BPF_CORE_READ(node, __parent);
    return BPF_CORE_READ((struct kernfs_node___before_6_15 *)node, parent);
}

// One hierarchy's path, leaf first, stopping below the root (whose name is "/").
static __always_inline void copy_cgroup_path(struct sl_cgroups_event *event, int hierarchy, struct cgroup *cgroup)
{
    struct kernfs_node *node = BPF_CORE_READ(cgroup, kn);
    for (int level = 0; level < SL_CGROUP_LEVELS; level++) {
        struct kernfs_node *parent = kernfs_parent(node);
        if (!node || !parent)
            break;
        long length = bpf_probe_read_kernel_str(event->names[hierarchy][level], SL_CGROUP_NAME,
                                                BPF_CORE_READ(node, name));
        event->lengths[hierarchy][level] = length > 1 ? length - 1 : 0;
        node = parent;
    }
}

// The task's cgroup in the v1 hierarchy spanlog reads (pids, else memory), or NULL when the
// kernel has neither controller.
static __always_inline struct cgroup *v1_cgroup(struct css_set *cgroups)
{
    if (bpf_core_enum_value_exists(enum cgroup_subsys_id, pids_cgrp_id))
        return BPF_CORE_READ(cgroups, subsys[bpf_core_enum_value(enum cgroup_subsys_id, pids_cgrp_id)], cgroup);
    if (bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id))
        return BPF_CORE_READ(cgroups, subsys[bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id)], cgroup);
    return NULL;
}

#endif
