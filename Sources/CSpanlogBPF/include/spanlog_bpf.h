/* C helpers for spanlog's collector: the parts of libbpf that Swift cannot call directly
 * (macros, variadic callbacks, option structs), plus the kernel event layout shared with the
 * BPF program. Only the collector imports this module. */
#ifndef SPANLOG_BPF_H
#define SPANLOG_BPF_H

#include <stddef.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include "../../../bpf/spanlog.h"
/* The BPF object's maps, programs and global data as typed fields (generated; see the file). */
#include "spanlog.skel.h"

/* libbpf's own diagnostics go to stderr only when verbose is set (they are long); its
 * warnings (the verifier's log among them) are kept either way, for sl_libbpf_log. */
void sl_libbpf_set_verbose(int verbose);

/* libbpf's warnings since the last sl_libbpf_log_clear, newest last (at most 256 KiB). */
const char *sl_libbpf_log(void);
void sl_libbpf_log_clear(void);

/* Opens the skeleton on `image`, one build of the BPF program (ELF), which must outlive it.
 * Returns NULL with errno set when libbpf cannot open it, or when it lacks a map or program
 * the skeleton names (a stale skeleton: see scripts/gen-skeleton.sh). */
struct spanlog_bpf *sl_skeleton_open(const void *image, size_t size);

/* The program's target bitmap (its .bss) in this process's memory: SL_TARGET_WORDS words,
 * shared with the kernel once the skeleton is loaded; NULL before. */
unsigned long long *sl_skeleton_target_bits(struct spanlog_bpf *skeleton);

/* Marks a process as targeted in the BPF program's target bitmap (mapped shared memory). */
void sl_target_bitmap_set(unsigned long long *bits, unsigned int pid);

/* The BTF id of the kernel function `name` (a kfunc or a traceable function), or -ENOENT when
 * the kernel has none, or -errno when its BTF cannot be read. */
int sl_kernel_function_id(const char *name);

/* Loads and attaches an empty fexit program on `function`, then removes it: 0 when the
 * kernel allows fexit there, else -errno (EPERM under lockdown, ENOTSUPP without trampolines). */
int sl_probe_fexit(const char *function);

/* Whether the kernel knows BPF helper number `helper` in tracing programs (libbpf_probe_bpf_helper
 * on a raw tracepoint program): 1 yes, 0 no, -errno when it cannot tell. */
int sl_kernel_has_helper(int helper);

/* Whether the kernel has the BPF ring buffer (Linux 5.8+): 1 yes, 0 no, -errno when it cannot tell. */
int sl_kernel_has_ring_buffer(void);

/* Asks the verifier for its statistics on every program `object` will load (BPF_LOG_STATS:
 * the verdict and "processed N insns", no instruction trace), for
 * sl_logged_verified_instructions. */
void sl_log_verifier_statistics(struct bpf_object *object);
/* The count from that log for the last load of `program`, or 0. */
long long sl_logged_verified_instructions(const char *program);

/* How many instructions the verifier processed for a loaded program (Linux 5.16+; 0 before),
 * or -errno. The kernel gives up at 1,000,000. */
long long sl_program_verified_instructions(int program_fd);

#endif
