/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0-only */
/* The kernel-to-user event layout of spanlog's collector, shared by the BPF program
 * (spanlog.bpf.c) and the Swift collector (through the CSpanlogBPF module).
 * Fixed-width fields only; every struct is 8-byte aligned and padded explicitly. */
#ifndef SPANLOG_H
#define SPANLOG_H

#include <linux/types.h>

#define SL_EVENT_WRITE 1
#define SL_EVENT_PROCESS_START 2 /* a traced process forked a new process */
#define SL_EVENT_EXEC 3
#define SL_EVENT_EXIT 4
#define SL_EVENT_EXEC_MATCH 5    /* an untraced process exec'd and matched --comm or --container */
#define SL_EVENT_FILE_PATH 6     /* a file's path, new or changed; precedes its write */
#define SL_EVENT_CGROUPS 7       /* a process's cgroup paths at exec; follows its SL_EVENT_EXEC */
#define SL_EVENT_THREAD_IO 8     /* --span-io: the thread's I/O counters; precedes its /dev/null write */
#define SL_EVENT_MARKER 9        /* a whole /dev/null write in one compact record (sl_marker_event) */

#define SL_TARGET_DEVNULL 0
#define SL_TARGET_STDOUT 1
#define SL_TARGET_STDERR 2
#define SL_TARGET_FILE 3

/* The file's (device, inode) had no verdict yet: user space decides from its path. */
#define SL_FLAG_UNCLASSIFIED 1
/* The file was renamed (or reached through another link) since its path was last sent. */
#define SL_FLAG_PATH_CHANGED 2
/* More records of the same /dev/null write follow (markers are read whole, up to
 * SL_MARKER_WRITE_MAX bytes, in chunks of one 64 KiB slot each). */
#define SL_FLAG_MORE 4
#define SL_MARKER_CHUNK 65536
#define SL_MARKER_CHUNKS 16
#define SL_MARKER_WRITE_MAX (SL_MARKER_CHUNK * SL_MARKER_CHUNKS)

/* Output the capture rules leave out on purpose (docs/collector.md), counted per reason. */
#define SL_SKIPPED_TREE_PIPE 0  /* fd 1/2 into a pipe or socket pair the traced tree made */
#define SL_SKIPPED_OTHER_FILE 1 /* fd 1/2 into a regular file that is neither a log nor the original stdout/stderr */
#define SL_SKIPPED_REASONS 2

#define SL_VERDICT_CAPTURE 1
#define SL_VERDICT_IGNORE 2

/* /dev/null is the character device 1:3, in the kernel's dev_t encoding (major << 20 | minor). */
#define SL_DEV_NULL ((1U << 20) | 3U)

#define SL_COMM_LEN 16
/* Command names and cgroups a session may follow (target_comms, target_cgroups). */
#define SL_MAX_NAMED_TARGETS 256
/* A container id is 64 hex digits; the field is padded to keep the struct 8-byte aligned. */
#define SL_CONTAINER_ID_SIZE 72
/* iovecs read per writev; bytes in further iovecs are counted as not captured. */
#define SL_MAX_IOV 16
/* Pids are below the kernel's PID_MAX_LIMIT (2^22 on 64-bit): the target bitmap has a bit
 * for each. */
#define SL_PID_LIMIT (1U << 22)
#define SL_TARGET_WORDS (SL_PID_LIMIT / 64)
/* The largest per-write payload the program can be configured for. */
#define SL_MAX_PAYLOAD_LIMIT 65536

struct sl_event_header {
    __u32 type;
    __u32 pid;  /* thread group id: the process */
    __u32 tid;  /* the thread */
    __u32 reserved;
    __u64 timestamp_ns; /* CLOCK_MONOTONIC, bpf_ktime_get_ns() */
    __u64 cgroup_id;    /* the task's cgroup v2 id (the inode of its cgroup directory) */
};

struct sl_write_event {
    struct sl_event_header header;
    __s32 fd;
    __u8 target;
    __u8 flags;
    /* For a file with no verdict yet written through fd 1/2: SL_TARGET_STDOUT or
     * SL_TARGET_STDERR when it is the process's original stdout/stderr (captured as that
     * stream unless it is a log), else 0 (not captured unless it is a log). */
    __u8 stream_hint;
    __u8 reserved;
    __u64 device; /* kernel dev_t of the file's superblock, files only */
    __u64 inode;  /* files only */
    __u64 written;  /* bytes the system call wrote */
    __u32 captured; /* bytes of data[] that hold payload */
    __u32 reserved2;
    __u8 data[];
};

/* A write to /dev/null that fits one record: markers are the protocol and come in floods, so
 * their record carries only what a marker needs (40 bytes before the text, against 72 for
 * sl_write_event) in size classes from 16 bytes: a short marker takes 64 bytes of ring, not
 * 144. The write is whole (captured == written). */
struct sl_marker_event {
    __u32 type;
    __u32 pid;
    __u32 tid;
    __s32 fd;
    __u64 timestamp_ns;
    __u64 cgroup_id;
    __u32 written;
    __u32 captured;
    __u8 data[];
};

struct sl_process_event {
    struct sl_event_header header;
    __u32 parent_pid;  /* SL_EVENT_PROCESS_START, SL_EVENT_EXEC_MATCH */
    __u32 creator_tid; /* the thread that forked (0: unknown) */
    __u32 group_dead;  /* SL_EVENT_EXIT: the last thread of the process exited */
    __u32 reserved;
    char comm[SL_COMM_LEN];
};

/* Path components of a file, leaf first, one fixed 256-byte slot each (fixed offsets keep
 * the verifier's work small). A zero length marks a slot spent crossing a mount point. */
#define SL_PATH_MAX_COMPONENTS 32
#define SL_PATH_SLOT 256
struct sl_path_event {
    struct sl_event_header header;
    __u64 device;
    __u64 inode;
    __u32 complete; /* 0: deeper than SL_PATH_MAX_COMPONENTS */
    __u32 reserved;
    __u8 lengths[SL_PATH_MAX_COMPONENTS];
    __u8 names[SL_PATH_MAX_COMPONENTS][SL_PATH_SLOT];
};

/* The cgroup paths of a process when it execs, leaf first, in the unified (v2) hierarchy and
 * in one v1 hierarchy (pids, else memory; empty when neither exists): container
 * runtimes name cgroups after the container, and move a process into them before it execs.
 * A zero length ends a path. */
#define SL_CGROUP_HIERARCHIES 2
#define SL_CGROUP_LEVELS 8
#define SL_CGROUP_NAME 128
struct sl_cgroups_event {
    struct sl_event_header header;
    __u8 lengths[SL_CGROUP_HIERARCHIES][SL_CGROUP_LEVELS];
    char names[SL_CGROUP_HIERARCHIES][SL_CGROUP_LEVELS][SL_CGROUP_NAME];
};

struct sl_file_key {
    __u64 device;
    __u64 inode;
};

/* What a process's stdout and stderr were when it came under trace (inherited at fork): its
 * lines are named by these, and a regular file that is neither is not output. */
struct sl_origin {
    struct sl_file_key out;
    struct sl_file_key err;
};

/* A thread's read and write system calls (any descriptor) since it was first seen. */
struct sl_thread_io {
    __u64 read_bytes;
    __u64 written_bytes;
    __u64 reads;
    __u64 writes;
};

struct sl_thread_io_event {
    struct sl_event_header header;
    struct sl_thread_io io;
};

struct sl_skipped {
    __u64 writes;
    __u64 bytes;
};

struct sl_file_verdict {
    __u8 verdict;
    __u8 reserved[7];
    /* Hashes of the file's name and its directory's name when its path was last sent;
     * 0 from user space. */
    __u64 name_signature;
};

/* Load-time configuration, the program's read-only global: user space writes it through the
 * skeleton (rodata->config) before loading. */
struct sl_config {
    __u32 self_tgid;    /* spanlog itself: never captured */
    __u32 max_payload;  /* bytes kept per write, at most SL_MAX_PAYLOAD_LIMIT */
    __u32 wakeup_bytes; /* wake the reader once this much data waits */
    __u8 trace_all;
    __u8 capture_stdout;
    __u8 capture_stderr;
    __u8 container_length; /* bytes of target_container */
    /* Read the descriptor table with a helper call: kernels before 6.17 reject the direct
     * load through the untrusted pointer. */
    __u8 fd_table_by_helper;
    /* A caller who is not root: capture only writes of tasks whose effective uid is theirs,
     * so a setuid program started under spanlog is not read through it. */
    __u8 only_owner_uid;
    /* --span-io: count each targeted thread's read and write system calls, and send the counts
     * before each of its marker writes. */
    __u8 span_io;
    /* Whether the target_comms and target_cgroups maps hold any target. */
    __u8 comm_targets;
    __u32 owner_uid;
    __u8 cgroup_targets;
    __u8 reserved[7];
    /* A container id or its prefix (lowercase hex, NUL-terminated; empty: none). */
    char target_container[SL_CONTAINER_ID_SIZE];
};

#endif
