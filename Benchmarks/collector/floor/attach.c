// Loads OBJECT, attaches its program PROGRAM, runs COMMAND, and detaches when it ends.
//   attach OBJECT PROGRAM COMMAND [ARGS...]
#include <bpf/libbpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: attach OBJECT PROGRAM COMMAND [ARGS...]\n");
        return 64;
    }
    struct bpf_object *object = bpf_object__open_file(argv[1], NULL);
    if (!object) {
        fprintf(stderr, "attach: cannot open %s\n", argv[1]);
        return 1;
    }
    struct bpf_program *program;
    bpf_object__for_each_program(program, object) {
        bpf_program__set_autoload(program, strcmp(bpf_program__name(program), argv[2]) == 0);
    }
    program = bpf_object__find_program_by_name(object, argv[2]);
    if (!program || bpf_object__load(object) != 0 || !bpf_program__attach(program)) {
        fprintf(stderr, "attach: cannot load and attach %s from %s\n", argv[2], argv[1]);
        return 1;
    }
    pid_t child = fork();
    if (child == 0) {
        execv(argv[3], argv + 3);
        _exit(127);
    }
    int status = 0;
    waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
