// writev to stdout and pwrite to a log file, inside a numeric-id span.
// usage: vectored LOGFILE
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int null = open("/dev/null", O_WRONLY);
    dprintf(null, ">:4100:vectored:mode=writev:\n");
    struct iovec parts[] = {
        {"first ", 6}, {"line from writev\n", 17}, {"second line ", 12}, {"from writev\n", 12},
    };
    writev(1, parts, 4);
    int log = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const char *a = "pwrite line one\n", *b = "pwrite line two\n";
    pwrite(log, a, strlen(a), 0);
    pwrite(log, b, strlen(b), strlen(a));
    struct iovec more[] = {{"pwritev ", 8}, {"line three\n", 11}};
    pwritev(log, more, 2, strlen(a) + strlen(b));
    dprintf(null, "<:4100:vectored::\n");
    return 0;
}
