// PROCESSES children each write LINES numbered lines to stdout, one write per line, as fast
// as they can. usage: burst PROCESSES LINES
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int processes = atoi(argv[1]), lines = atoi(argv[2]);
    for (int p = 0; p < processes; p++) {
        if (fork() == 0) {
            char buffer[128];
            for (int i = 0; i < lines; i++) {
                int length = snprintf(buffer, sizeof buffer, "burst p%d line %d padding-to-look-like-a-log-line\n", p, i);
                if (write(1, buffer, length) != length) return 1;
            }
            return 0;
        }
    }
    while (wait(NULL) > 0) {
    }
    return 0;
}
