// The floor under any system-call collector: programs that do nothing, attached where
// spanlog's program is (every system call's exit) and where per-syscall tracepoints are.
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tp_btf/sys_exit")
int empty_raw_exit(void *ctx) { return 0; }

SEC("tracepoint/syscalls/sys_exit_write")
int empty_write_exit(void *ctx) { return 0; }

// A cheaper attach point on the write path: runs for writes only (not for every system call)
// and is handed the struct file, but before the write, so without the bytes it wrote.
SEC("fentry/vfs_write")
int empty_fentry_write(void *ctx) { return 0; }
