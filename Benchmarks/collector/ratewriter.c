// Offered line rate: WRITERS processes each write 100-byte lines to stdout at RATE lines per
// second in all (paced in batches of 100 per millisecond tick), for SECONDS. Used by
// scripts/bench.sh to find the highest rate a tracer keeps up with.
//   ratewriter WRITERS RATE SECONDS [LINES_PER_SPAN]
// With LINES_PER_SPAN, every that many lines are one span (markers to /dev/null), its tag path
// one of eight (svc.a … svc.h, every other one nested in the one before). With RATEWRITER_RUSAGE
// set to a file, the CPU seconds (user + system) of all the writers are written there, so that a
// benchmark can take them from the tracer's.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
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
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: ratewriter WRITERS RATE SECONDS [LINES_PER_SPAN]\n");
        return 2;
    }
    int writers = atoi(argv[1]);
    long lines_per_span = argc == 5 ? atol(argv[4]) : 0;
    static const char *const tags[] = {"svc.a", "svc.a.db", "svc.b", "svc.b.db", "svc.c", "svc.c.db", "svc.d", "svc.d.db"};
    int null = lines_per_span > 0 ? open("/dev/null", O_WRONLY) : -1;
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
                char marker[64];
                const char *tag = tags[(written / (lines_per_span > 0 ? lines_per_span : 1)) % 8];
                if (null >= 0 && written % lines_per_span == 0)
                    write(null, marker, snprintf(marker, sizeof(marker), ">:t:%s:n=%ld:", tag, written));
                int length = snprintf(line, sizeof(line), "ratewriter %d line %ld ", w, written);
                memset(line + length, 'x', 99 - length);
                line[99] = '\n';
                if (write(1, line, 100) != 100)
                    return 1;
                if (null >= 0 && (written + 1) % lines_per_span == 0)
                    write(null, marker, snprintf(marker, sizeof(marker), "<:t:%s::", tag));
            }
            if (written < total)
                usleep(1000);
        }
        return 0;
    }
    int status = 0, failed = 0;
    while (wait(&status) > 0)
        failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    const char *usage_path = getenv("RATEWRITER_RUSAGE");
    if (usage_path != NULL) {
        struct rusage self, children;
        getrusage(RUSAGE_SELF, &self);
        getrusage(RUSAGE_CHILDREN, &children);
        FILE *out = fopen(usage_path, "w");
        if (out != NULL) {
            fprintf(out, "%.6f\n", self.ru_utime.tv_sec + self.ru_utime.tv_usec / 1e6 + self.ru_stime.tv_sec + self.ru_stime.tv_usec / 1e6
                                    + children.ru_utime.tv_sec + children.ru_utime.tv_usec / 1e6 + children.ru_stime.tv_sec
                                    + children.ru_stime.tv_usec / 1e6);
            fclose(out);
        }
    }
    return failed;
}
