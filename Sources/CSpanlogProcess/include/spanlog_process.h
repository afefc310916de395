/* Process control for spanlog's runtime: the parts that must run between fork and exec
 * (async-signal-safe only), a pseudo-terminal, and signal handlers that only set a flag.
 * Only the runtime imports this module; it wraps each call in Swift. */
#ifndef SPANLOG_PROCESS_H
#define SPANLOG_PROCESS_H

#include <stdint.h>
#include <sys/types.h>

/* Starts `path` with `argv` in a child that first waits until sl_release_child() is called,
 * so the caller can register the child's pid for tracing before the program runs.
 * stdout_fd/stderr_fd replace the child's stdout/stderr when >= 0; with `new_session` the
 * child gets its own session and stdout_fd as controlling terminal; otherwise, with
 * `own_group`, its own process group. The child dies with SIGKILL when the caller dies.
 * Returns the pid, or -errno. */
pid_t sl_spawn_gated(const char *path, char *const argv[], int stdout_fd, int stderr_fd, int new_session,
                     int own_group, int *gate_fd, int *exec_error_fd);

/* Lets the child exec. Returns 0, or the errno with which exec failed. */
int sl_release_child(int gate_fd, int exec_error_fd);

/* Opens a pseudo-terminal pair. Returns 0 or -errno. */
int sl_open_pty(int *master_fd, int *slave_fd);

/* SIGINT/SIGTERM set a flag and are forwarded to `forward_to` when it is not 0 (a negative
 * value is a process group); SIGHUP is counted as a reload request and not forwarded. */
void sl_install_signal_handlers(pid_t forward_to);
/* The last stopping signal received (SIGINT or SIGTERM), or 0. */
int sl_pending_signal(void);
/* SIGHUPs received since the last call; when there were any, `*first_monotonic_ns` is the
 * CLOCK_MONOTONIC time (the clock BPF programs stamp events with) at which the first of them
 * arrived, so a reload can take effect at that moment on the event clock. */
int sl_take_hangups(uint64_t *first_monotonic_ns);
/* Ends taking SIGHUPs: returns those that came since the last take; each later one is reported
 * by the handler writing `late_message` (copied; NULL: not reported) to stderr. */
int sl_close_hangups(const char *late_message);

#endif
