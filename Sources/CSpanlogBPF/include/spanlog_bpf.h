/* C helpers for spanlog's collector: the parts of libbpf that Swift cannot call directly
 * (macros, variadic callbacks), plus the kernel event layout shared with the BPF program.
 * Only the collector imports this module. */
#ifndef SPANLOG_BPF_H
#define SPANLOG_BPF_H

#include <stddef.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "../../../bpf/spanlog.h"

/* libbpf's own diagnostics go to stderr only when verbose is set (they are long). */
void sl_libbpf_set_verbose(int verbose);

/* Writes `config` into the object's .rodata before load. Returns 0, or -errno. */
int sl_set_config(struct bpf_object *object, const struct sl_config *config);

/* Marks a process as targeted in the BPF program's target bitmap (mapped shared memory). */
void sl_target_bitmap_set(unsigned long long *bits, unsigned int pid);

#endif
