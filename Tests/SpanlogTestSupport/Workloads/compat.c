// 32-bit (ia32) system calls from a 64-bit process, through `int $0x80`: write to stdout,
// writev to stdout with 32-bit iovecs and pwrite64 to a log file are captured. ia32 getpid
// has the number of x86-64 writev (20), and is made with registers that would read as a
// writev of "phantom line" to stdout: it must not be taken for one.
// usage: compat LOGFILE
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

static long ia32_syscall(long nr, long bx, long cx, long dx, long si, long di) {
    long ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(bx), "c"(cx), "d"(dx), "S"(si), "D"(di) : "memory");
    return ret;
}

int main(int argc, char **argv) {
    // ia32 system calls take 32-bit pointers.
    char *low = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    int null = open("/dev/null", O_WRONLY);
    int log = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dprintf(null, ">:4200:compat::\n");

    strcpy(low, "ia32 write line\n");
    ia32_syscall(4, 1, (long)(uintptr_t)low, 16, 0, 0);

    uint32_t *iov = (uint32_t *)(low + 256);
    strcpy(low + 64, "ia32 writev ");
    strcpy(low + 128, "line\n");
    iov[0] = (uint32_t)(uintptr_t)(low + 64), iov[1] = 12;
    iov[2] = (uint32_t)(uintptr_t)(low + 128), iov[3] = 5;
    ia32_syscall(146, 1, (long)(uintptr_t)iov, 2, 0, 0);

    strcpy(low + 512, "ia32 pwrite line\n");
    ia32_syscall(181, log, (long)(uintptr_t)(low + 512), 17, 0, 0); // offset 0: si low, di high

    struct iovec phantom = {"phantom line\n", 13};
    long pid = ia32_syscall(20, 0, 0, 1, (long)&phantom, 1);
    dprintf(1, "getpid %s\n", pid == getpid() ? "matches" : "differs");
    dprintf(null, "<:4200:compat::\n");
    return 0;
}
