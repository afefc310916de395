// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0-only
// The kernel as spanlog's BPF program sees it: CO-RE views of the structures it reads,
// x86-64 system call registers and numbers, and how the two builds read an open file.
// Part of spanlog.bpf.c; included by it only.
#ifndef SPANLOG_KERNEL_TYPES_BPF_H
#define SPANLOG_KERNEL_TYPES_BPF_H

#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#if !defined(__TARGET_ARCH_x86)
#error "spanlog's collector reads x86-64 system call registers and numbers; other architectures are not supported yet"
#endif

// Hand-written CO-RE views of the kernel structures we read; libbpf relocates each field
// against the running kernel's BTF, so no vmlinux.h is needed.
struct super_block {
    __u32 s_dev;
} __attribute__((preserve_access_index));

struct inode {
    unsigned short i_mode;
    struct super_block *i_sb;
    unsigned long i_ino;
    __u32 i_rdev;
} __attribute__((preserve_access_index));

struct qstr {
    union {
        struct {
            __u32 hash;
            __u32 len;
        };
        __u64 hash_len;
    };
    const unsigned char *name;
} __attribute__((preserve_access_index));

struct dentry {
    struct dentry *d_parent;
    struct qstr d_name;
} __attribute__((preserve_access_index));

struct vfsmount {
    struct dentry *mnt_root;
} __attribute__((preserve_access_index));

struct mount {
    struct mount *mnt_parent;
    struct dentry *mnt_mountpoint;
    struct vfsmount mnt;
} __attribute__((preserve_access_index));

struct path {
    struct vfsmount *mnt;
    struct dentry *dentry;
} __attribute__((preserve_access_index));

struct file {
    struct path f_path;
    struct inode *f_inode;
} __attribute__((preserve_access_index));

struct fdtable {
    unsigned int max_fds;
    struct file **fd;
} __attribute__((preserve_access_index));

struct files_struct {
    struct fdtable *fdt;
} __attribute__((preserve_access_index));

typedef struct {
    int counter;
} sl_atomic_t;

struct signal_struct {
    sl_atomic_t live;
} __attribute__((preserve_access_index));

struct thread_info {
    __u32 status;
} __attribute__((preserve_access_index));

struct kernfs_node {
    struct kernfs_node *__parent;
    const char *name;
    __u64 id;
} __attribute__((preserve_access_index));

// Before Linux 6.15 the parent field was called `parent`.
struct kernfs_node___before_6_15 {
    struct kernfs_node *parent;
} __attribute__((preserve_access_index));

struct cgroup {
    struct kernfs_node *kn;
} __attribute__((preserve_access_index));

struct cgroup_subsys_state {
    struct cgroup *cgroup;
} __attribute__((preserve_access_index));

struct css_set {
    struct cgroup_subsys_state *subsys[1]; // CGROUP_SUBSYS_COUNT in the kernel
    struct cgroup *dfl_cgrp;
} __attribute__((preserve_access_index));

enum cgroup_subsys_id {
    pids_cgrp_id = 0,   // values relocated from the kernel's BTF
    memory_cgrp_id = 0,
};

typedef struct {
    unsigned int val;
} kuid_t;

struct cred {
    kuid_t euid;
} __attribute__((preserve_access_index));

struct task_struct {
    struct thread_info thread_info;
    const struct cred *cred;
    struct css_set *cgroups;
    int pid;
    int tgid;
    struct task_struct *real_parent;
    struct files_struct *files;
    struct signal_struct *signal;
    void *stack;
    char comm[16];
} __attribute__((preserve_access_index));

// The saved user registers of a system call on x86-64. A 64-bit system call takes its
// arguments in di, si, dx, r10; a 32-bit (ia32) one, from a 32-bit program or `int $0x80`, in
// bx, cx, dx, si. orig_ax holds the system call number.
struct pt_regs {
    unsigned long r10;
    unsigned long bx;
    unsigned long cx;
    unsigned long dx;
    unsigned long si;
    unsigned long di;
    unsigned long orig_ax;
} __attribute__((preserve_access_index));

struct sl_iovec {
    __u64 base;
    __u64 len;
};

struct sl_compat_iovec {
    __u32 base;
    __u32 len;
};

// System call numbers of the write family: x86-64, and ia32 (told apart by the thread's
// TS_COMPAT status, set for the duration of a 32-bit system call), as in asm/unistd_64.h and
// asm/unistd_32.h.
#define SL_NR_WRITE 1
#define SL_NR_PWRITE64 18
#define SL_NR_WRITEV 20
#define SL_NR_PWRITEV 296
#define SL_NR_PWRITEV2 328
#define SL_NR_IA32_WRITE 4
#define SL_NR_IA32_PWRITE64 181
#define SL_NR_IA32_WRITEV 146
#define SL_NR_IA32_PWRITEV 334
#define SL_NR_IA32_PWRITEV2 379
#define SL_NR_READ 0
#define SL_NR_PREAD64 17
#define SL_NR_READV 19
#define SL_NR_RECVFROM 45
#define SL_NR_RECVMSG 47
#define SL_NR_SENDTO 44
#define SL_NR_SENDMSG 46
#define SL_NR_PREADV 295
#define SL_NR_PREADV2 327
#define SL_NR_IA32_READ 3
#define SL_NR_IA32_READV 145
#define SL_NR_IA32_PREAD64 180
#define SL_NR_IA32_PREADV 333
#define SL_NR_IA32_PREADV2 378
#define SL_NR_PIPE 22
#define SL_NR_PIPE2 293
#define SL_NR_SOCKETPAIR 53
#define SL_NR_IA32_PIPE 42
#define SL_NR_IA32_PIPE2 331
#define SL_NR_IA32_SOCKETPAIR 360
#define SL_TS_COMPAT 0x0002

#define S_IFMT 00170000
#define S_IFREG 0100000
#define S_IFCHR 0020000
#define S_IFIFO 0010000
#define S_IFSOCK 0140000

// Two builds of this file go into spanlog, and the loader picks one by what the running kernel
// has (docs/collector.md). SL_KFUNCS=1 reads the open file behind a descriptor with direct
// loads, through the bpf_rdonly_cast kfunc (Linux 6.2 and later). SL_KFUNCS=0 calls no kfunc
// and reads the same fields with bpf_probe_read_kernel (CO-RE), for kernels without it. A
// __weak extern is no fallback there: those verifiers refuse an unresolved kfunc call even
// in code they would find dead.
#ifndef SL_KFUNCS
#define SL_KFUNCS 1
#endif

// SL_BOUNDED_LOOPS=1 is the build for kernels without bpf_loop (5.17), bpf_strncmp (5.17) or
// bpf_get_current_task_btf (5.11), such as Debian 11's 5.10: no callback, no kfunc, no helper
// newer than 5.10, no atomic but add (the others are 5.12), and no global function (before
// 5.12 those take only scalars and the context). The current task is an untrusted pointer
// there, read through bpf_probe_read_kernel (CO-RE) like the file; bpf_loop's steps become
// bounded loops (5.3) over the same steps, with the same records. It implies SL_KFUNCS=0.
#ifndef SL_BOUNDED_LOOPS
#define SL_BOUNDED_LOOPS 0
#endif
#if SL_BOUNDED_LOOPS && SL_KFUNCS
#error "the bounded-loops build calls no kfunc: build it with SL_KFUNCS=0"
#endif
#if SL_BOUNDED_LOOPS
#define SL_CURRENT_TASK() ((struct task_struct *)bpf_get_current_task())
#define SL_TASK_READ(pointer, field) BPF_CORE_READ(pointer, field)
#define SL_TASK_READ2(pointer, field, next) BPF_CORE_READ(pointer, field, next)
#define SL_TASK_READ4(pointer, a, b, c, d) BPF_CORE_READ(pointer, a, b, c, d)
// A function the verifier checks once (global) where the kernel allows it, else per call.
#define SL_SUBPROG static __noinline
// A relaxed add whose result is unused compiles to the locked add every kernel has; the
// __sync builtins compile to atomic_fetch_add (5.12).
#define SL_ATOMIC_ADD(pointer, value) __atomic_fetch_add(pointer, value, __ATOMIC_RELAXED)
// The saved user registers: from the tracepoint a BTF pointer, from fexit the task's own
// (below), read alike.
#define SL_REGS_READ(regs, field) BPF_CORE_READ(regs, field)
#else
#define SL_CURRENT_TASK() bpf_get_current_task_btf()
#define SL_TASK_READ(pointer, field) ((pointer)->field)
#define SL_TASK_READ2(pointer, field, next) ((pointer)->field->next)
#define SL_TASK_READ4(pointer, a, b, c, d) ((pointer)->a->b->c->d)
#define SL_SUBPROG __noinline
#define SL_ATOMIC_ADD(pointer, value) __sync_fetch_and_add(pointer, value)
#define SL_REGS_READ(regs, field) ((regs)->field)
#endif
#if SL_KFUNCS
extern void *bpf_rdonly_cast(const void *object, __u32 btf_id) __ksym;
#define SL_FILE_READ(pointer, field) ((pointer)->field)
#define SL_FILE_READ2(pointer, field, next) ((pointer)->field->next)
#else
#define SL_FILE_READ(pointer, field) BPF_CORE_READ(pointer, field)
#define SL_FILE_READ2(pointer, field, next) BPF_CORE_READ(pointer, field, next)
#endif

#endif
