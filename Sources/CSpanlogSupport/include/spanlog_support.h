/* C helpers for spanlog's collector: the parts of libbpf and process control that Swift
 * cannot call directly (macros, variadic callbacks, async-signal-safe code between fork and
 * exec), plus the kernel event layout shared with the BPF program. */
#ifndef SPANLOG_SUPPORT_H
#define SPANLOG_SUPPORT_H

#include <stddef.h>
#include <sys/types.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "../../../bpf/spanlog.h"

/* libbpf's own diagnostics go to stderr only when verbose is set (they are long). */
void sl_libbpf_set_verbose(int verbose);

/* Writes `config` into the object's .rodata before load. Returns 0, or -errno. */
int sl_set_config(struct bpf_object *object, const struct sl_config *config);

/* Starts `path` with `argv` in a child that first waits until sl_release_child() is called,
 * so the caller can register the child's pid for tracing before the program runs.
 * stdout_fd/stderr_fd replace the child's stdout/stderr when >= 0; with `new_session` the
 * child gets its own session and stdout_fd as controlling terminal.
 * Returns the pid, or -errno. */
pid_t sl_spawn_gated(const char *path, char *const argv[], int stdout_fd, int stderr_fd, int new_session,
                     int *gate_fd, int *exec_error_fd);

/* Lets the child exec. Returns 0, or the errno with which exec failed. */
int sl_release_child(int gate_fd, int exec_error_fd);

/* Opens a pseudo-terminal pair. Returns 0 or -errno. */
int sl_open_pty(int *master_fd, int *slave_fd);

/* SIGINT/SIGTERM/SIGHUP set a flag (and are forwarded to `forward_to` when > 0). */
void sl_install_signal_handlers(pid_t forward_to);
/* The last signal received, or 0. */
int sl_pending_signal(void);

/* CLOCK_REALTIME minus CLOCK_MONOTONIC, in nanoseconds, measured as tightly as possible. */
long long sl_monotonic_to_wall_offset(void);
unsigned long long sl_monotonic_now(void);

/* Marks a process as targeted in the BPF program's target bitmap (mapped shared memory). */
void sl_target_bitmap_set(unsigned long long *bits, unsigned int pid);

#endif
