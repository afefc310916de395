// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0-only
// spanlog's collector: captures the writes of targeted processes to stdout/stderr, to log
// files and to /dev/null (tracer markers), plus fork, exec and exit, into one ring buffer.
//
// One program at the exit of every system call does the capture: a system call that is not a
// write costs one load and a few compares; a write by an untargeted process, a bit test more.
// Filtering happens before any copy, and payloads are read at exit, so only bytes that were
// really written are kept, straight into a ring-buffer slot of a size class that fits.
//
// Its parts: kernel_types.bpf.h (the kernel structures and system calls it reads), maps.bpf.h
// (what it shares with user space), vectors.bpf.h (vector writes), cgroups.bpf.h (cgroup
// paths). This file holds the capture (which write is ours, and its record), markers, file
// paths, --span-io, and the process lifecycle (fork, exec, exit).
#include <stdbool.h>
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "spanlog.h"
#include "kernel_types.bpf.h"
#include "maps.bpf.h"
#include "vectors.bpf.h"
#include "cgroups.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile struct sl_config config = {};

static __always_inline __u64 *target_word(__u32 tgid)
{
    return &target_bits[(tgid / 64) & (SL_TARGET_WORDS - 1)];
}

#if SL_BOUNDED_LOOPS
// Before 5.12 the only atomic is add: a bit is set by adding it when it is clear and cleared
// by subtracting it when it is set. Only two setters of one pid at the same instant (a
// --pid target user space adds while the kernel matches it at exec) could add it twice.
static __always_inline void set_target(__u32 tgid)
{
    __u64 bit = 1ULL << (tgid % 64);
    if (!(*target_word(tgid) & bit))
        SL_ATOMIC_ADD(target_word(tgid), bit);
}

static __always_inline void clear_target(__u32 tgid)
{
    __u64 bit = 1ULL << (tgid % 64);
    if (*target_word(tgid) & bit)
        SL_ATOMIC_ADD(target_word(tgid), -bit);
}
#else
static __always_inline void set_target(__u32 tgid)
{
    __sync_fetch_and_or(target_word(tgid), 1ULL << (tgid % 64));
}

static __always_inline void clear_target(__u32 tgid)
{
    __sync_fetch_and_and(target_word(tgid), ~(1ULL << (tgid % 64)));
}
#endif

static __always_inline bool is_targeted(__u32 tgid)
{
    if (tgid == config.self_tgid)
        return false;
    if (config.trace_all)
        return true;
    if ((*target_word(tgid) >> (tgid % 64)) & 1)
        return true;
    if (!config.cgroup_targets)
        return false;
    __u64 cgroup = bpf_get_current_cgroup_id();
    return bpf_map_lookup_elem(&target_cgroups, &cgroup) != NULL;
}

// Wake the reader only on the record that makes the waiting data cross the threshold; it
// also polls on a short timeout, so a quiet stream is still delivered promptly. A wake-up is
// an irq_work (a self-IPI, which traps to the hypervisor on a VM): forcing one on every
// record while the reader catches up cost a fifth of a traced writer's time.
static __always_inline __u64 wakeup_flags(__u64 record_bytes)
{
    __u64 waiting = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
    return waiting >= config.wakeup_bytes && waiting - record_bytes < config.wakeup_bytes ? BPF_RB_FORCE_WAKEUP
                                                                                          : BPF_RB_NO_WAKEUP;
}

// The task's cgroup v2 id (what bpf_get_current_cgroup_id() returns for the current task), by
// direct loads rather than a helper call.
static __always_inline __u64 cgroup_id_of(struct task_struct *task)
{
    return SL_TASK_READ4(task, cgroups, dfl_cgrp, kn, id);
}

static __always_inline void fill_header(struct sl_event_header *header, __u32 type, __u64 pid_tgid, __u64 cgroup_id)
{
    header->type = type;
    header->pid = pid_tgid >> 32;
    header->tid = (__u32)pid_tgid;
    header->reserved = 0;
    header->timestamp_ns = bpf_ktime_get_ns();
    header->cgroup_id = cgroup_id;
}

// One write that is ours: where it went and what it wrote.
struct sl_write {
    __u64 buf;   // buffer, or iovec array
    __u64 count; // iovec count (vector writes)
    __u64 file;  // struct file *, for the path of a file not classified yet
    __u64 device;
    __u64 inode;
    __u64 cgroup_id;
    __s32 fd;
    __u8 target;
    __u8 flags;
    __u8 vector;
    __u8 compat; // an ia32 system call: 32-bit iovecs
    __u8 stream_hint;
    __u8 skipped; // not captured by the capture rules: SL_SKIPPED_* + 1
};

// The open file behind `fd`, or NULL. Direct loads through BTF pointers (the verifier makes
// them fault-safe) instead of one helper call per field.
static __always_inline struct file *file_at(struct task_struct *task, __s32 fd)
{
    struct fdtable *fdt = SL_TASK_READ2(task, files, fdt);
    if (!fdt || (__u32)fd >= SL_TASK_READ(fdt, max_fds))
        return NULL;
    struct file **fds = SL_TASK_READ(fdt, fd);
    __u64 file_address = 0;
#if SL_KFUNCS
    if (config.fd_table_by_helper) // a load-time constant: the verifier sees only one branch
        bpf_probe_read_kernel(&file_address, sizeof(file_address), &fds[(__u32)fd]);
    else
        file_address = (__u64)fds[(__u32)fd];
    if (!file_address)
        return NULL;
    return bpf_rdonly_cast((void *)file_address, bpf_core_type_id_kernel(struct file));
#else
    // An untrusted pointer: everything read through it goes through SL_FILE_READ.
    bpf_probe_read_kernel(&file_address, sizeof(file_address), &fds[(__u32)fd]);
    return (struct file *)file_address;
#endif
}

static __always_inline void key_of_fd(struct task_struct *task, __s32 fd, struct sl_file_key *key)
{
    struct file *file = file_at(task, fd);
    struct inode *inode = file ? SL_FILE_READ(file, f_inode) : NULL;
    if (!inode)
        return;
    key->device = SL_FILE_READ2(inode, i_sb, s_dev);
    key->inode = SL_FILE_READ(inode, i_ino);
}

static __always_inline bool same_file(const struct sl_file_key *a, const struct sl_file_key *b)
{
    return a->device == b->device && a->inode == b->inode;
}

// The process's original stdout and stderr: recorded now, from its current descriptors, when
// nothing recorded them before (a process traced by pid, or matched at exec).
static __always_inline struct sl_origin *origin_of(struct task_struct *task, __u32 tgid)
{
    struct sl_origin *origin = bpf_map_lookup_elem(&origins, &tgid);
    if (origin)
        return origin;
    struct sl_origin fresh = {};
    key_of_fd(task, 1, &fresh.out);
    key_of_fd(task, 2, &fresh.err);
    bpf_map_update_elem(&origins, &tgid, &fresh, BPF_NOEXIST);
    return bpf_map_lookup_elem(&origins, &tgid);
}

// The stream of output to `key` through `fd`: stderr when it is the original stderr and that
// differs from the original stdout (bash's `echo oops >&2` is a write to fd 1 after dup2), stdout
// when it is the original stdout and differs from the original stderr; otherwise (one terminal
// for both, or neither) by descriptor number.
static __always_inline __u8 stream_of(struct sl_origin *origin, struct sl_file_key *key, __s32 fd)
{
    if (origin && !same_file(&origin->out, &origin->err)) {
        if (same_file(key, &origin->err))
            return SL_TARGET_STDERR;
        if (same_file(key, &origin->out))
            return SL_TARGET_STDOUT;
    }
    return fd == 2 ? SL_TARGET_STDERR : SL_TARGET_STDOUT;
}

// The original stream `key` is, or 0 when it is neither the original stdout nor stderr.
static __always_inline __u8 original_stream(struct sl_origin *origin, struct sl_file_key *key, __s32 fd)
{
    if (!origin)
        return 0;
    if (same_file(key, &origin->out) || same_file(key, &origin->err))
        return stream_of(origin, key, fd);
    return 0;
}

// Terminals by device number (the kernel's MKDEV: major << 20 | minor): pseudo-terminal
// slaves /dev/pts/N (majors 136-143), virtual consoles and serial lines (4), /dev/tty and
// /dev/console (5).
static __always_inline bool is_terminal(__u32 rdev)
{
    __u32 major = rdev >> 20;
    return (major >= 136 && major <= 143) || major == 4 || (major == 5 && (rdev & 0xFFFFF) <= 1);
}

// Decides from the file behind `fd` whether the write is captured, and as what (docs/collector.md);
// everything else is dropped here, before any copy, and what the capture rules leave out of
// fd 1/2 is counted.
static __always_inline bool classify(struct task_struct *task, struct sl_write *write)
{
    struct file *file = file_at(task, write->fd);
    if (!file)
        return false;
    struct inode *inode = SL_FILE_READ(file, f_inode);
    if (!inode)
        return false;
    unsigned short mode = SL_FILE_READ(inode, i_mode) & S_IFMT;
    __u32 rdev = mode == S_IFCHR ? SL_FILE_READ(inode, i_rdev) : 0;

    if (mode == S_IFCHR && rdev == SL_DEV_NULL) {
        write->target = SL_TARGET_DEVNULL;
        return true;
    }
    bool standard = write->fd == 1 || write->fd == 2;
    // Sockets, pipes and other devices on other descriptors are not output: the commonest
    // write of a server, dropped before anything else is read.
    if (mode != S_IFREG && !standard && (mode != S_IFCHR || !is_terminal(rdev)))
        return false;
    struct sl_file_key key = {};
    key.device = SL_FILE_READ2(inode, i_sb, s_dev);
    key.inode = SL_FILE_READ(inode, i_ino);
    if (mode != S_IFREG) {
        if (standard && (mode == S_IFIFO || mode == S_IFSOCK) && bpf_map_lookup_elem(&tree_pipes, &key)) {
            write->skipped = SL_SKIPPED_TREE_PIPE + 1;
            return false;
        }
        // fd 1/2 to a terminal, or a pipe or socket from outside the tree; or a terminal
        // reached through another descriptor (libuv reopens its tty and writes there).
        write->target = stream_of(origin_of(task, SL_TASK_READ(task, tgid)), &key, write->fd);
        return write->target == SL_TARGET_STDOUT ? config.capture_stdout : config.capture_stderr;
    }

    struct sl_file_verdict *verdict = bpf_map_lookup_elem(&file_verdicts, &key);
    if (!verdict || verdict->verdict == SL_VERDICT_IGNORE) {
        __u8 stream = standard ? original_stream(origin_of(task, SL_TASK_READ(task, tgid)), &key, write->fd) : 0;
        if (verdict) {
            // Not a log: output only as the original stdout/stderr (`./server > out.txt`).
            if (stream) {
                write->target = stream;
                return stream == SL_TARGET_STDOUT ? config.capture_stdout : config.capture_stderr;
            }
            if (standard)
                write->skipped = SL_SKIPPED_OTHER_FILE + 1;
            return false;
        }
        write->flags |= SL_FLAG_UNCLASSIFIED;
        write->stream_hint = stream;
    } else {
        // A rename changes the dentry's name or parent: send the path again, so records
        // carry the path the file had when it was written.
        struct dentry *dentry = SL_FILE_READ(file, f_path.dentry);
        __u64 signature = SL_FILE_READ(dentry, d_name.hash_len) ^ (SL_FILE_READ2(dentry, d_parent, d_name.hash_len) << 1);
        if (verdict->name_signature != signature) {
            verdict->name_signature = signature;
            write->flags |= SL_FLAG_PATH_CHANGED;
        }
    }
    write->target = SL_TARGET_FILE;
    write->device = key.device;
    write->inode = key.inode;
    write->file = (__u64)file;
    return true;
}

// One ring-buffer reservation per size class: bpf_ringbuf_reserve needs a constant size,
// and one maximum-size slot per write would fill the ring a hundred times sooner.
static __always_inline struct sl_write_event *start_write_event(void *slot, struct sl_write *write, __u64 pid_tgid,
                                                                __u64 written)
{
    struct sl_write_event *event = slot;
    fill_header(&event->header, SL_EVENT_WRITE, pid_tgid, write->cgroup_id);
    event->fd = write->fd;
    event->target = write->target;
    event->flags = write->flags;
    event->stream_hint = write->stream_hint;
    event->reserved = 0;
    event->device = write->device;
    event->inode = write->inode;
    event->written = written;
    event->reserved2 = 0;
    return event;
}


// bpf_loop where the kernel has it (the verifier checks one step once), else a bounded loop
// over the same steps (checked once per step: SL_MAX_IOV of them).
#if SL_BOUNDED_LOOPS
#define SL_EACH_IOVEC(step, state)                                                                 \
    for (__u32 i = 0; i < SL_MAX_IOV; i++)                                                         \
        if (step(i, state))                                                                        \
            break;
#else
#define SL_EACH_IOVEC(step, state) bpf_loop(SL_MAX_IOV, step, state, 0);
#endif

// 5.10's verifier does not learn from comparing two registers (offset < want <= SIZE), so a
// vector copy's offset is masked to what the comparisons already proved (a no-op at run time;
// the other builds' verifiers need no help).
#if SL_BOUNDED_LOOPS
#define SL_BOUND(offset, size) offset &= (size) - 1
#else
#define SL_BOUND(offset, size)
#endif
// Static functions let clang drop a clamp it proves from every caller (want <= SIZE), which
// 5.10's verifier cannot prove itself: the value is made opaque to clang before each clamp.
#if SL_BOUNDED_LOOPS
#define SL_OPAQUE(value) barrier_var(value)
#else
#define SL_OPAQUE(value)
#endif

// The submit functions are global (not static) so that the verifier checks each one once, on
// its own, instead of again in every state its caller reaches it with; in exchange it wants
// their pointer arguments checked for NULL.
#define DEFINE_SUBMIT(SIZE)                                                                        \
    SL_SUBPROG int submit_plain_##SIZE(struct sl_write *write, __u64 pid_tgid, __u64 written,      \
                                       __u64 want)                                                 \
    {                                                                                              \
        if (!write)                                                                                \
            return 0;                                                                              \
        void *slot = bpf_ringbuf_reserve(&events, sizeof(struct sl_write_event) + SIZE, 0);        \
        if (!slot) {                                                                               \
            count_lost();                                                                          \
            return 0;                                                                              \
        }                                                                                          \
        struct sl_write_event *event = start_write_event(slot, write, pid_tgid, written);          \
        __u64 length = want;                                                                       \
        SL_OPAQUE(length);                                                                     \
        if (length > SIZE)                                                                         \
            length = SIZE;                                                                         \
        if (bpf_probe_read_user(event->data, length, (void *)write->buf) != 0)                     \
            length = 0;                                                                            \
        event->captured = length;                                                                  \
        bpf_ringbuf_submit(event, wakeup_flags(sizeof(struct sl_write_event) + SIZE));             \
        return 0;                                                                                  \
    }                                                                                              \
    /* Vector writes reserve twice the class, so (offset <= SIZE) + (length <= SIZE) is        \
     * provably in bounds for the verifier. One iovec per bpf_loop step: the verifier checks   \
     * the step once instead of once per iovec. */                                                \
    static int copy_iovec_##SIZE(__u32 i, struct sl_vector_copy *copy)                             \
    {                                                                                              \
        if (i >= copy->count || i >= SL_MAX_IOV || copy->offset >= copy->want || copy->offset > SIZE) \
            return 1;                                                                              \
        __u64 offset = copy->offset;                                                               \
        __u64 length = copy->iovs[i].len;                                                          \
        if (length > copy->want - offset)                                                          \
            length = copy->want - offset;                                                          \
        SL_OPAQUE(length);                                                                     \
        if (length > SIZE)                                                                         \
            length = SIZE;                                                                         \
        SL_BOUND(offset, SIZE); /* offset < want <= SIZE */                                        \
        if (bpf_probe_read_user(copy->data + offset, length, (void *)copy->iovs[i].base))         \
            return 1;                                                                              \
        copy->offset = offset + length;                                                            \
        return 0;                                                                                  \
    }                                                                                              \
    SL_SUBPROG int submit_vector_##SIZE(struct sl_write *write, __u64 pid_tgid, __u64 written,     \
                                        __u64 want)                                                \
    {                                                                                              \
        if (!write)                                                                                \
            return 0;                                                                              \
        void *slot = bpf_ringbuf_reserve(&events, sizeof(struct sl_write_event) + 2 * SIZE, 0);    \
        if (!slot) {                                                                               \
            count_lost();                                                                          \
            return 0;                                                                              \
        }                                                                                          \
        struct sl_write_event *event = start_write_event(slot, write, pid_tgid, written);          \
        __u32 zero = 0;                                                                            \
        struct sl_vector_scratch *scratch = bpf_map_lookup_elem(&vector_scratch, &zero);           \
        struct sl_vector_copy copy = {.data = event->data, .want = want};                          \
        if (scratch) {                                                                             \
            copy.iovs = scratch->iovs;                                                             \
            copy.count = read_iovecs(write->buf, write->count, write->compat, scratch);               \
            SL_EACH_IOVEC(copy_iovec_##SIZE, &copy);                                               \
        }                                                                                          \
        event->captured = copy.offset;                                                             \
        bpf_ringbuf_submit(event, wakeup_flags(sizeof(struct sl_write_event) + 2 * SIZE));         \
        return 0;                                                                                  \
    }

DEFINE_SUBMIT(64)
DEFINE_SUBMIT(256)
DEFINE_SUBMIT(1024)
DEFINE_SUBMIT(4096)
DEFINE_SUBMIT(16384)
DEFINE_SUBMIT(65536)

// A /dev/null write of at most `max_payload` bytes, in a compact record of the size class that
// fits (one per class, as for writes).
#define DEFINE_MARKER_SUBMIT(SIZE)                                                                 \
    SL_SUBPROG int submit_marker_##SIZE(struct sl_write *write, __u64 pid_tgid, __u64 written)      \
    {                                                                                              \
        if (!write)                                                                                \
            return 0;                                                                              \
        struct sl_marker_event *event = bpf_ringbuf_reserve(&events, sizeof(*event) + SIZE, 0);   \
        if (!event) {                                                                              \
            count_lost();                                                                          \
            return 0;                                                                              \
        }                                                                                          \
        event->type = SL_EVENT_MARKER;                                                             \
        event->pid = pid_tgid >> 32;                                                               \
        event->tid = (__u32)pid_tgid;                                                              \
        event->fd = write->fd;                                                                     \
        event->timestamp_ns = bpf_ktime_get_ns();                                                  \
        event->cgroup_id = write->cgroup_id;                                                       \
        event->written = written;                                                                  \
        __u64 length = written;                                                                    \
        SL_OPAQUE(length);                                                                     \
        if (length > SIZE)                                                                         \
            length = SIZE;                                                                         \
        if (bpf_probe_read_user(event->data, length, (void *)write->buf) != 0)                     \
            length = 0;                                                                            \
        event->captured = length;                                                                  \
        bpf_ringbuf_submit(event, wakeup_flags(sizeof(*event) + SIZE));                            \
        return 0;                                                                                  \
    }

DEFINE_MARKER_SUBMIT(16)
DEFINE_MARKER_SUBMIT(32)
DEFINE_MARKER_SUBMIT(64)
DEFINE_MARKER_SUBMIT(256)
DEFINE_MARKER_SUBMIT(1024)
DEFINE_MARKER_SUBMIT(4096)
DEFINE_MARKER_SUBMIT(16384)
DEFINE_MARKER_SUBMIT(65536)

#define SUBMIT_MARKER_IN_CLASS(SIZE)                                                               \
    if (want <= SIZE)                                                                              \
        return submit_marker_##SIZE(&write, pid_tgid, want);

// A /dev/null write larger than one slot: markers flushed in bulk by a buffered tracer client.
// Read whole, up to SL_MARKER_WRITE_MAX, one 64 KiB slot per bpf_loop step, each record but the
// last flagged SL_FLAG_MORE; user space joins them into one write.
struct sl_marker_chunks {
    struct sl_write write;
    __u64 pid_tgid;
    __u64 written;
    __u64 total;
};

static int submit_marker_chunk(__u32 i, struct sl_marker_chunks *chunks)
{
    __u64 offset = (__u64)i * SL_MARKER_CHUNK;
    if (offset >= chunks->total || i >= SL_MARKER_CHUNKS)
        return 1;
    __u64 length = chunks->total - offset;
    SL_OPAQUE(length);
    if (length > SL_MARKER_CHUNK)
        length = SL_MARKER_CHUNK;
    void *slot = bpf_ringbuf_reserve(&events, sizeof(struct sl_write_event) + SL_MARKER_CHUNK, 0);
    if (!slot) {
        count_lost();
        return 1;
    }
    struct sl_write_event *event = start_write_event(slot, &chunks->write, chunks->pid_tgid, chunks->written);
    if (offset + length < chunks->total)
        event->flags |= SL_FLAG_MORE;
    if (bpf_probe_read_user(event->data, length, (void *)(chunks->write.buf + offset)) != 0)
        length = 0;
    event->captured = length;
    bpf_ringbuf_submit(event, wakeup_flags(sizeof(struct sl_write_event) + SL_MARKER_CHUNK));
    return 0;
}

#define SUBMIT_IN_CLASS(SIZE)                                                                      \
    if (want <= SIZE)                                                                              \
        return write.vector ? submit_vector_##SIZE(&write, pid_tgid, ret, want)                    \
                            : submit_plain_##SIZE(&write, pid_tgid, ret, want);

// The file's path from the kernel's dentries, crossing mount points (what d_path does), as it
// is at the time of the write: a new file can be classified even when its writer exits before
// user space could look at /proc, and a rotated file shows its new name. Only runs for files
// with no verdict yet or whose name changed.
SL_SUBPROG int emit_file_path(struct sl_write *write, __u64 pid_tgid)
{
    if (!write)
        return 0;
    struct sl_path_event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
    if (!event) {
        count_lost();
        return 0;
    }
    fill_header(&event->header, SL_EVENT_FILE_PATH, pid_tgid, write->cgroup_id);
    event->device = write->device;
    event->inode = write->inode;
    event->reserved = 0;
    __builtin_memset(event->lengths, 0, sizeof(event->lengths));
    struct file *file = (struct file *)write->file;
    struct dentry *dentry = BPF_CORE_READ(file, f_path.dentry);
    struct vfsmount *vfsmnt = BPF_CORE_READ(file, f_path.mnt);
    struct mount *mnt = (struct mount *)((void *)vfsmnt - bpf_core_field_offset(struct mount, mnt));
    __u32 complete = 0;
    for (int i = 0; i < SL_PATH_MAX_COMPONENTS; i++) {
        struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
        if (dentry == BPF_CORE_READ(mnt, mnt.mnt_root) || dentry == parent) {
            struct mount *up = BPF_CORE_READ(mnt, mnt_parent);
            if (up == mnt) {
                complete = 1;
                break;
            }
            event->lengths[i] = 0;
            dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
            mnt = up;
            continue;
        }
        __u32 length = BPF_CORE_READ(dentry, d_name.len) & (SL_PATH_SLOT - 1);
        event->lengths[i] = length;
        bpf_probe_read_kernel(event->names[i], length, BPF_CORE_READ(dentry, d_name.name));
        dentry = parent;
    }
    event->complete = complete;
    bpf_ringbuf_submit(event, wakeup_flags(sizeof(*event)));
    return 0;
}

// --span-io: one more read or write of a targeted thread.
static __always_inline void count_thread_io(__u32 tid, bool read, long bytes)
{
    struct sl_thread_io *io = bpf_map_lookup_elem(&thread_io, &tid);
    if (!io) {
        struct sl_thread_io fresh = {};
        bpf_map_update_elem(&thread_io, &tid, &fresh, BPF_NOEXIST);
        io = bpf_map_lookup_elem(&thread_io, &tid);
        if (!io)
            return;
    }
    // Only this thread updates its entry.
    if (read) {
        io->reads += 1;
        io->read_bytes += bytes;
    } else {
        io->writes += 1;
        io->written_bytes += bytes;
    }
}

// --span-io: a read (or a send, which no write path sees) of a targeted thread.
static __noinline int on_other_io(long nr, long ret)
{
    struct task_struct *task = SL_CURRENT_TASK();
    if (!task || ret < 0 || !is_targeted(SL_TASK_READ(task, tgid)))
        return 0;
    bool compat = SL_TASK_READ(task, thread_info.status) & SL_TS_COMPAT;
    bool read, write;
    if (compat) {
        read = nr == SL_NR_IA32_READ || nr == SL_NR_IA32_READV || nr == SL_NR_IA32_PREAD64 || nr == SL_NR_IA32_PREADV ||
               nr == SL_NR_IA32_PREADV2;
        write = false;
    } else {
        read = nr == SL_NR_READ || nr == SL_NR_PREAD64 || nr == SL_NR_READV || nr == SL_NR_PREADV ||
               nr == SL_NR_PREADV2 || nr == SL_NR_RECVFROM || nr == SL_NR_RECVMSG;
        write = nr == SL_NR_SENDTO || nr == SL_NR_SENDMSG;
    }
    if (read || write)
        count_thread_io(SL_TASK_READ(task, pid), read, ret);
    return 0;
}

// Sends the thread's counters ahead of its marker write: user space pairs them.
static __noinline int emit_thread_io(__u64 pid_tgid, __u64 cgroup_id)
{
    __u32 tid = (__u32)pid_tgid;
    struct sl_thread_io *io = bpf_map_lookup_elem(&thread_io, &tid);
    if (!io)
        return 0;
    struct sl_thread_io_event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
    if (!event) {
        count_lost();
        return 0;
    }
    fill_header(&event->header, SL_EVENT_THREAD_IO, pid_tgid, cgroup_id);
    event->io = *io;
    bpf_ringbuf_submit(event, wakeup_flags(sizeof(*event)));
    return 0;
}

// A pipe or socket pair a traced process made: output into it stays inside the traced tree.
static __noinline int note_tree_pipe(struct task_struct *task, __u64 fds_address, bool pair)
{
    if (!task)
        return 0;
    int fds[2] = {};
    if (bpf_probe_read_user(fds, sizeof(fds), (void *)fds_address) != 0)
        return 0;
    __u8 yes = 1;
    struct sl_file_key key = {};
    key_of_fd(task, fds[0], &key);
    if (key.inode)
        bpf_map_update_elem(&tree_pipes, &key, &yes, BPF_ANY);
    if (!pair) // both ends of a pipe are one inode; a socket pair is two sockets
        return 0;
    struct sl_file_key other = {};
    key_of_fd(task, fds[1], &other);
    if (other.inode)
        bpf_map_update_elem(&tree_pipes, &other, &yes, BPF_ANY);
    return 0;
}

static __always_inline int on_pipe_created(struct pt_regs *regs, long nr)
{
    struct task_struct *task = SL_CURRENT_TASK();
    if (!is_targeted(SL_TASK_READ(task, tgid)))
        return 0;
    if (SL_TASK_READ(task, thread_info.status) & SL_TS_COMPAT) {
        if (nr == SL_NR_IA32_PIPE || nr == SL_NR_IA32_PIPE2)
            return note_tree_pipe(task, (__u32)SL_REGS_READ(regs, bx), false);
        if (nr == SL_NR_IA32_SOCKETPAIR)
            return note_tree_pipe(task, (__u32)SL_REGS_READ(regs, si), true);
        return 0;
    }
    if (nr == SL_NR_PIPE || nr == SL_NR_PIPE2)
        return note_tree_pipe(task, SL_REGS_READ(regs, di), false);
    if (nr == SL_NR_SOCKETPAIR)
        return note_tree_pipe(task, SL_REGS_READ(regs, r10), true);
    return 0;
}

// The end of a system call, with its saved user registers and its result: the write family
// is captured, the pipe makers noted, reads counted for --span-io. Taking writes only at exit
// needs no per-thread state between entry and exit: the saved registers still hold the
// arguments, and the return value says how many bytes were really written. (The fd is looked
// up after the write; a file another thread closes or replaces on that fd in between is judged
// as it is then.)
static __always_inline int on_syscall_exit(struct pt_regs *regs, long ret)
{
    long nr = SL_REGS_READ(regs, orig_ax);
    switch (nr) {
    case SL_NR_WRITE: case SL_NR_PWRITE64: case SL_NR_WRITEV: case SL_NR_PWRITEV: case SL_NR_PWRITEV2:
    case SL_NR_IA32_WRITE: case SL_NR_IA32_PWRITE64: case SL_NR_IA32_WRITEV: case SL_NR_IA32_PWRITEV:
    case SL_NR_IA32_PWRITEV2:
        break;
    case SL_NR_PIPE: case SL_NR_PIPE2: case SL_NR_SOCKETPAIR:
    case SL_NR_IA32_PIPE: case SL_NR_IA32_PIPE2: case SL_NR_IA32_SOCKETPAIR:
        return ret == 0 ? on_pipe_created(regs, nr) : 0;
    default:
        // A load-time constant: without --span-io the verifier drops the call.
        return config.span_io ? on_other_io(nr, ret) : 0;
    }
    if (ret <= 0)
        return 0;
    struct task_struct *task = SL_CURRENT_TASK();
    __u32 tgid = SL_TASK_READ(task, tgid);
    if (!is_targeted(tgid))
        return 0;
    // A load-time constant: for a root caller the verifier drops the check entirely.
    if (config.only_owner_uid) {
        struct cred *cred = (struct cred *)SL_TASK_READ(task, cred);
        if (SL_TASK_READ(cred, euid.val) != config.owner_uid)
            return 0;
    }
    if (config.span_io)
        count_thread_io(SL_TASK_READ(task, pid), false, ret);

    struct sl_write write = {};
    if (SL_TASK_READ(task, thread_info.status) & SL_TS_COMPAT) {
        write.vector = nr == SL_NR_IA32_WRITEV || nr == SL_NR_IA32_PWRITEV || nr == SL_NR_IA32_PWRITEV2;
        if (!write.vector && nr != SL_NR_IA32_WRITE && nr != SL_NR_IA32_PWRITE64)
            return 0;
        write.compat = 1;
        write.fd = (__s32)SL_REGS_READ(regs, bx);
        write.buf = (__u32)SL_REGS_READ(regs, cx);
    } else {
        write.vector = nr == SL_NR_WRITEV || nr == SL_NR_PWRITEV || nr == SL_NR_PWRITEV2;
        if (!write.vector && nr != SL_NR_WRITE && nr != SL_NR_PWRITE64)
            return 0;
        write.fd = (__s32)SL_REGS_READ(regs, di);
        write.buf = SL_REGS_READ(regs, si);
    }
    write.count = SL_REGS_READ(regs, dx);
    write.cgroup_id = cgroup_id_of(task);
    __u64 pid_tgid = (__u64)tgid << 32 | (__u32)SL_TASK_READ(task, pid);
    if (!classify(task, &write)) {
        if (write.skipped)
            count_skipped(write.skipped - 1, ret);
        return 0;
    }

    if (write.flags & (SL_FLAG_UNCLASSIFIED | SL_FLAG_PATH_CHANGED))
        emit_file_path(&write, pid_tgid);
    if (config.span_io && write.target == SL_TARGET_DEVNULL)
        emit_thread_io(pid_tgid, write.cgroup_id);
    __u64 want = (__u64)ret;
    if (write.target == SL_TARGET_DEVNULL && !write.vector && want > config.max_payload) {
        struct sl_marker_chunks chunks = {.write = write, .pid_tgid = pid_tgid, .written = want};
        chunks.total = want < SL_MARKER_WRITE_MAX ? want : SL_MARKER_WRITE_MAX;
#if SL_BOUNDED_LOOPS
        for (__u32 i = 0; i < SL_MARKER_CHUNKS; i++)
            if (submit_marker_chunk(i, &chunks))
                break;
#else
        bpf_loop(SL_MARKER_CHUNKS, submit_marker_chunk, &chunks, 0);
#endif
        return 0;
    }
    if (write.target == SL_TARGET_DEVNULL && !write.vector) {
        SUBMIT_MARKER_IN_CLASS(16)
        SUBMIT_MARKER_IN_CLASS(32)
        SUBMIT_MARKER_IN_CLASS(64)
        SUBMIT_MARKER_IN_CLASS(256)
        SUBMIT_MARKER_IN_CLASS(1024)
        SUBMIT_MARKER_IN_CLASS(4096)
        SUBMIT_MARKER_IN_CLASS(16384)
        SUBMIT_MARKER_IN_CLASS(65536)
        return 0;
    }
    if (want > config.max_payload)
        want = config.max_payload;
    SUBMIT_IN_CLASS(64)
    SUBMIT_IN_CLASS(256)
    SUBMIT_IN_CLASS(1024)
    SUBMIT_IN_CLASS(4096)
    SUBMIT_IN_CLASS(16384)
    SUBMIT_IN_CLASS(65536)
    return 0;
}

// Where the kernel refuses fentry/fexit programs (lockdown, no trampolines), or when asked:
// every system call of every process ends here, so the first test in on_syscall_exit rejects
// all but the write family with one load and a few compares.
SEC("tp_btf/sys_exit")
int BPF_PROG(on_sys_exit, struct pt_regs *regs, long ret)
{
    return on_syscall_exit(regs, ret);
}

// Where the kernel allows them: one fexit program on each system call of the write family
// and the pipe makers (and, for --span-io, of the read family), so other system calls pay
// nothing. The functions are the kernel's system call wrappers, which take the saved user
// registers and return the result, exactly what the tracepoint sees. The kernel verifies
// each program on its own, the whole write body again for each write slot, so the pipe
// makers get small programs of their own. The slots carry no target here: the loader names
// each slot's function from the kernel's BTF (FexitTargets.swift) and leaves unused slots
// unloaded.
#if SL_BOUNDED_LOOPS
// 5.10's BTF describes the wrappers' `const struct pt_regs *` argument as a forward
// declaration, so its verifier refuses any read of that argument: the registers are the
// task's own saved ones instead, at the top of its kernel stack (task_pt_regs() on x86-64,
// THREAD_SIZE 16 KiB as in kernels without KASAN), and only the result is read from the
// context.
#define SL_THREAD_SIZE 16384
static __always_inline struct pt_regs *saved_user_regs(void)
{
    struct task_struct *task = SL_CURRENT_TASK();
    void *stack = BPF_CORE_READ(task, stack);
    return (struct pt_regs *)(stack + SL_THREAD_SIZE - bpf_core_type_size(struct pt_regs));
}
#define SL_FEXIT_SLOT(NAME, BODY)                                                                  \
    SEC("fexit")                                                                                   \
    int NAME(unsigned long long *ctx)                                                              \
    {                                                                                              \
        struct pt_regs *regs = saved_user_regs();                                                  \
        long ret = (long)ctx[1];                                                                   \
        BODY                                                                                       \
    }
#else
#define SL_FEXIT_SLOT(NAME, BODY)                                                                  \
    SEC("fexit")                                                                                   \
    int BPF_PROG(NAME, struct pt_regs *regs, long ret)                                             \
    {                                                                                              \
        BODY                                                                                       \
    }
#endif
#define SL_CAPTURE_SLOT(N) SL_FEXIT_SLOT(capture_exit_##N, return on_syscall_exit(regs, ret);)
#define SL_PIPE_SLOT(N)                                                                            \
    SL_FEXIT_SLOT(pipe_exit_##N, return ret == 0 ? on_pipe_created(regs, SL_REGS_READ(regs, orig_ax)) : 0;)
#define SL_IO_SLOT(N)                                                                              \
    SL_FEXIT_SLOT(io_exit_##N, return config.span_io ? on_other_io(SL_REGS_READ(regs, orig_ax), ret) : 0;)

SL_CAPTURE_SLOT(0) SL_CAPTURE_SLOT(1) SL_CAPTURE_SLOT(2) SL_CAPTURE_SLOT(3) SL_CAPTURE_SLOT(4)
SL_CAPTURE_SLOT(5) SL_CAPTURE_SLOT(6) SL_CAPTURE_SLOT(7) SL_CAPTURE_SLOT(8) SL_CAPTURE_SLOT(9)
SL_PIPE_SLOT(0) SL_PIPE_SLOT(1) SL_PIPE_SLOT(2) SL_PIPE_SLOT(3) SL_PIPE_SLOT(4) SL_PIPE_SLOT(5)
SL_IO_SLOT(0) SL_IO_SLOT(1) SL_IO_SLOT(2) SL_IO_SLOT(3) SL_IO_SLOT(4) SL_IO_SLOT(5) SL_IO_SLOT(6)
SL_IO_SLOT(7) SL_IO_SLOT(8) SL_IO_SLOT(9) SL_IO_SLOT(10) SL_IO_SLOT(11) SL_IO_SLOT(12) SL_IO_SLOT(13)

static __always_inline void emit_process_event(__u32 type, struct task_struct *task, __u32 pid, __u32 tid,
                                               __u32 parent_pid, __u32 creator_tid, __u32 group_dead,
                                               const char *comm)
{
    struct sl_process_event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
    if (!event) {
        count_lost();
        return;
    }
    fill_header(&event->header, type, ((__u64)pid << 32) | tid, cgroup_id_of(task));
    event->parent_pid = parent_pid;
    event->creator_tid = creator_tid;
    event->group_dead = group_dead;
    event->reserved = 0;
    bpf_probe_read_kernel_str(event->comm, sizeof(event->comm), comm);
    bpf_ringbuf_submit(event, wakeup_flags(sizeof(*event)));
}


static __noinline int emit_cgroups(struct task_struct *task, __u64 pid_tgid)
{
    struct sl_cgroups_event *event = bpf_ringbuf_reserve(&events, sizeof(*event), 0);
    if (!event) {
        count_lost();
        return 0;
    }
    fill_header(&event->header, SL_EVENT_CGROUPS, pid_tgid, cgroup_id_of(task));
    __builtin_memset(event->lengths, 0, sizeof(event->lengths));
    struct css_set *cgroups = BPF_CORE_READ(task, cgroups);
    copy_cgroup_path(event, 0, BPF_CORE_READ(cgroups, dfl_cgrp));
    copy_cgroup_path(event, 1, v1_cgroup(cgroups)); // NULL: an empty path
    bpf_ringbuf_submit(event, wakeup_flags(sizeof(*event)));
    return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
    __u32 parent_tgid = BPF_CORE_READ(parent, tgid);
    __u32 child_tgid = BPF_CORE_READ(child, tgid);
    if (child_tgid == parent_tgid || !is_targeted(parent_tgid))
        return 0; // a new thread, or not ours
    if (!config.trace_all)
        set_target(child_tgid);
    // The child's original stdout/stderr are its parent's, whatever it redirects before it
    // writes (`cat > Makefile` redirects in the forked shell).
    struct sl_origin *origin = origin_of(parent, parent_tgid);
    if (origin)
        bpf_map_update_elem(&origins, &child_tgid, origin, BPF_ANY);
    emit_process_event(SL_EVENT_PROCESS_START, child, child_tgid, BPF_CORE_READ(child, pid), parent_tgid,
                       BPF_CORE_READ(parent, pid), 0, parent->comm);
    return 0;
}

static __always_inline bool comm_matches(void)
{
    // Zeroed first: the helper copies up to the name's NUL, and the key is all 16 bytes.
    char comm[SL_COMM_LEN] = {};
    bpf_get_current_comm(comm, sizeof(comm));
    return bpf_map_lookup_elem(&target_comms, comm) != NULL;
}

// Runtimes name a container's cgroup after it: "<id>" (cgroupfs driver), or "<prefix><id>.scope"
// with prefix crio- (5 bytes), docker- or libpod- (7), containerd- (11), cri-containerd- (15).
#if SL_BOUNDED_LOOPS
// No bpf_strncmp before 5.17: the same comparison, a byte at a time.
static __always_inline bool names_container_at(const char *name, __u32 at)
{
    for (__u32 k = 0; k < SL_CONTAINER_ID_SIZE - 8; k++) {
        if (k >= config.container_length)
            return true;
        if (name[at + k] != config.target_container[k])
            return false;
    }
    return true;
}

static __always_inline bool names_target_container(const char *name)
{
    return names_container_at(name, 0) || names_container_at(name, 5) || names_container_at(name, 7) ||
           names_container_at(name, 11) || names_container_at(name, 15);
}
#else
static __always_inline bool names_target_container(const char *name)
{
    __u32 length = config.container_length;
    return bpf_strncmp(name, length, (const char *)config.target_container) == 0 ||
           bpf_strncmp(name + 5, length, (const char *)config.target_container) == 0 ||
           bpf_strncmp(name + 7, length, (const char *)config.target_container) == 0 ||
           bpf_strncmp(name + 11, length, (const char *)config.target_container) == 0 ||
           bpf_strncmp(name + 15, length, (const char *)config.target_container) == 0;
}
#endif

static __always_inline bool cgroup_names_target_container(struct cgroup *cgroup)
{
    struct kernfs_node *node = BPF_CORE_READ(cgroup, kn);
    for (int level = 0; level < SL_CGROUP_LEVELS; level++) {
        struct kernfs_node *parent = kernfs_parent(node);
        if (!node || !parent)
            return false;
        char name[SL_CGROUP_NAME] = {};
        bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(node, name));
        if (names_target_container(name))
            return true;
        node = parent;
    }
    return false;
}

// Whether the task runs in the --container container: a cgroup on its path, in the unified
// hierarchy or the v1 one spanlog reads, is named after it. Runs at exec, which is when a
// process that entered the container (`docker exec`, a restart) starts its program.
static __noinline bool in_target_container(struct task_struct *task)
{
    struct css_set *cgroups = BPF_CORE_READ(task, cgroups);
    return cgroup_names_target_container(BPF_CORE_READ(cgroups, dfl_cgrp)) ||
           cgroup_names_target_container(v1_cgroup(cgroups));
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *task)
{
    __u32 tgid = BPF_CORE_READ(task, tgid);
    __u32 tid = BPF_CORE_READ(task, pid);
    if (is_targeted(tgid)) {
        emit_process_event(SL_EVENT_EXEC, task, tgid, tid, 0, 0, 0, task->comm);
        emit_cgroups(task, (__u64)tgid << 32 | tid);
        return 0;
    }
    if (tgid == config.self_tgid)
        return 0;
    bool matched = config.comm_targets && comm_matches();
    if (!matched && config.container_length != 0)
        matched = in_target_container(task);
    if (!matched)
        return 0;
    set_target(tgid);
    origin_of(task, tgid); // its descriptors now are its originals
    emit_process_event(SL_EVENT_EXEC_MATCH, task, tgid, tid, BPF_CORE_READ(task, real_parent, tgid), 0, 0, task->comm);
    emit_cgroups(task, (__u64)tgid << 32 | tid);
    return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *task)
{
    __u32 tgid = BPF_CORE_READ(task, tgid);
    if (!is_targeted(tgid))
        return 0;
    __u32 tid = BPF_CORE_READ(task, pid);
    // do_exit() decrements signal->live before this tracepoint: zero means the whole
    // process is gone (the tracepoint's own group_dead field is only in newer kernels).
    __u32 group_dead = BPF_CORE_READ(task, signal, live.counter) == 0;
    emit_process_event(SL_EVENT_EXIT, task, tgid, tid, 0, 0, group_dead, task->comm);
    if (config.span_io)
        bpf_map_delete_elem(&thread_io, &tid);
    if (group_dead) {
        bpf_map_delete_elem(&origins, &tgid);
        if (!config.trace_all)
            clear_target(tgid);
    }
    return 0;
}
