// Times N write system calls of one kind and writes "ns per write" to RESULT_FILE.
//   marker: tracer markers to /dev/null (enter/exit pairs)
//   file:   8-byte pwrite to a regular file that is not a log (spanlog drops it in the kernel)
//   socket: 8-byte writes to a Unix socket drained by a child (dropped in the kernel too)
//   stdout: 100-byte lines to stdout, a pipe (captured and shipped to user space)
//   other:  getppid, a system call that is not a write (the collector's program still runs)
// usage: writebench MODE N RESULT_FILE
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv) {
    const char *mode = argv[1];
    long count = atol(argv[2]);
    int fd;
    const char *a, *b;
    size_t la, lb;
    if (strcmp(mode, "marker") == 0) {
        fd = open("/dev/null", O_WRONLY);
        a = ">:t:bench:k=v:\n";
        b = "<:t:bench::\n";
    } else if (strcmp(mode, "socket") == 0) {
        int pair[2];
        socketpair(AF_UNIX, SOCK_STREAM, 0, pair);
        if (fork() == 0) {
            char sink[65536];
            close(pair[0]);
            while (read(pair[1], sink, sizeof sink) > 0) {
            }
            _exit(0);
        }
        close(pair[1]);
        fd = pair[0];
        a = b = "12345678";
    } else if (strcmp(mode, "file") == 0) {
        fd = open("/tmp/writebench.dat", O_WRONLY | O_CREAT, 0644);
        a = b = "12345678";
    } else if (strcmp(mode, "other") == 0) {
        fd = -1;
        a = b = "";
    } else {
        // fd 1 as the benchmark started it: a pipe read outside the traced tree (spanlog's
        // own with `run --no-pty`, or `| cat` untraced), which is what spanlog captures as
        // stdout. A file that is not a log, or a pipe made inside the tree, would not be.
        fd = 1;
        a = b = "2026-11-28 12:00:00,000 INFO worker: processed an item for a user in 3 ms; cache=hit status=ok\n";
    }
    la = strlen(a);
    lb = strlen(b);
    double start = now();
    for (long i = 0; i < count; i++) {
        if (fd < 0)
            syscall(SYS_getppid);
        else if (strcmp(mode, "file") == 0)
            pwrite(fd, a, la, 0);
        else if (i & 1)
            write(fd, b, lb);
        else
            write(fd, a, la);
    }
    double elapsed = now() - start;
    if (strcmp(mode, "socket") == 0) {
        close(fd);
        wait(NULL);
    }
    FILE *result = fopen(argv[3], "w");
    fprintf(result, "%.1f\n", elapsed / count);
    fclose(result);
    return 0;
}
