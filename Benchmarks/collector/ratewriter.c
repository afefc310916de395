// Offered line rate: WRITERS processes each write 100-byte lines to stdout at RATE lines per
// second in all (paced in batches of 100 per millisecond tick), for SECONDS. Used by
// scripts/bench.sh to find the highest rate a tracer keeps up with.
//   ratewriter WRITERS RATE SECONDS
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: ratewriter WRITERS RATE SECONDS\n");
        return 2;
    }
    int writers = atoi(argv[1]);
    double rate = atof(argv[2]) / writers, seconds = atof(argv[3]);
    for (int w = 0; w < writers; w++) {
        if (fork() != 0)
            continue;
        char line[101];
        long total = (long)(rate * seconds), written = 0;
        double start = now();
        while (written < total) {
            // Catch up to where the pace says we should be.
            long due = (long)((now() - start) * rate) + 1;
            if (due > total)
                due = total;
            for (; written < due; written++) {
                int length = snprintf(line, sizeof(line), "ratewriter %d line %ld ", w, written);
                memset(line + length, 'x', 99 - length);
                line[99] = '\n';
                if (write(1, line, 100) != 100)
                    return 1;
            }
            if (written < total)
                usleep(1000);
        }
        return 0;
    }
    int status = 0, failed = 0;
    while (wait(&status) > 0)
        failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    return failed;
}
