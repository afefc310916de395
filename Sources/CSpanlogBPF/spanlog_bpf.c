#define _GNU_SOURCE
#include "spanlog_bpf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int libbpf_verbose;

/* libbpf's messages while a load is in progress (the verifier's log among them): the error
 * spanlog prints is read from their last lines. Bounded: a verifier log can be megabytes,
 * and what explains a refusal is at its end. */
#define SL_LOG_KEEP (256 * 1024)
static char *log_text;
static size_t log_length;

static void log_append(const char *format, va_list args)
{
    char line[4096];
    int length = vsnprintf(line, sizeof(line), format, args);
    if (length <= 0)
        return;
    size_t size = (size_t)length < sizeof(line) ? (size_t)length : sizeof(line) - 1;
    if (!log_text) {
        log_text = malloc(SL_LOG_KEEP + 1);
        if (!log_text)
            return;
        log_length = 0;
    }
    if (log_length + size > SL_LOG_KEEP) {
        /* Keep the newest half: the refusal's reason is at the end. */
        size_t keep = SL_LOG_KEEP / 2;
        memmove(log_text, log_text + log_length - keep, keep);
        log_length = keep;
    }
    memcpy(log_text + log_length, line, size);
    log_length += size;
    log_text[log_length] = 0;
}

/* The verifier's own count per program, from its statistics line ("processed N insns") in the
 * load log libbpf prints at debug level after a load with sl_log_verifier_statistics: kernels
 * before 5.16 give no count in the program's info. */
#define SL_COUNTED_PROGRAMS 64
static struct {
    char name[64];
    long long instructions;
} logged_counts[SL_COUNTED_PROGRAMS];
static int logged_count_number;

static void note_verifier_statistics(const char *format, va_list args)
{
    char text[8192];
    if (vsnprintf(text, sizeof(text), format, args) <= 0)
        return;
    const char *name = strstr(text, "prog '");
    const char *begin = name ? strstr(name, "': -- BEGIN PROG LOAD LOG --") : NULL;
    const char *processed = begin ? strstr(begin, "processed ") : NULL;
    if (!processed || begin - name - 6 >= 64)
        return;
    char program[64];
    memcpy(program, name + 6, begin - name - 6);
    program[begin - name - 6] = 0;
    int slot = 0;
    while (slot < logged_count_number && strcmp(logged_counts[slot].name, program) != 0)
        slot++;
    if (slot == SL_COUNTED_PROGRAMS)
        return;
    if (slot == logged_count_number)
        logged_count_number++;
    strcpy(logged_counts[slot].name, program);
    logged_counts[slot].instructions = strtoll(processed + 10, NULL, 10);
}

long long sl_logged_verified_instructions(const char *program)
{
    for (int slot = 0; slot < logged_count_number; slot++)
        if (strcmp(logged_counts[slot].name, program) == 0)
            return logged_counts[slot].instructions;
    return 0;
}

void sl_log_verifier_statistics(struct bpf_object *object)
{
    struct bpf_program *program;
    bpf_object__for_each_program(program, object)
    {
        /* BPF_LOG_STATS: the verdict and the statistics, not the instruction trace. */
        if (bpf_program__autoload(program))
            bpf_program__set_log_level(program, 4);
    }
}

static int print_libbpf(enum libbpf_print_level level, const char *format, va_list args)
{
    if (level == LIBBPF_DEBUG) {
        va_list copy;
        va_copy(copy, args);
        note_verifier_statistics(format, copy);
        va_end(copy);
    }
    if (level != LIBBPF_DEBUG) {
        va_list copy;
        va_copy(copy, args);
        log_append(format, copy);
        va_end(copy);
    }
    if (!libbpf_verbose)
        return 0;
    return vfprintf(stderr, format, args);
}

void sl_libbpf_set_verbose(int verbose)
{
    libbpf_verbose = verbose;
    libbpf_set_print(print_libbpf);
}

const char *sl_libbpf_log(void)
{
    return log_text ? log_text : "";
}

void sl_libbpf_log_clear(void)
{
    logged_count_number = 0;
    log_length = 0;
    if (log_text)
        log_text[0] = 0;
}

struct spanlog_bpf *sl_skeleton_open(const void *image, size_t size)
{
    struct spanlog_bpf *skeleton = calloc(1, sizeof(*skeleton));
    if (!skeleton) {
        errno = ENOMEM;
        return NULL;
    }
    int status = spanlog_bpf__create_skeleton(skeleton);
    if (status == 0) {
        skeleton->skeleton->data = image;
        skeleton->skeleton->data_sz = size;
        status = bpf_object__open_skeleton(skeleton->skeleton, NULL);
    }
    if (status != 0) {
        spanlog_bpf__destroy(skeleton);
        errno = -status;
        return NULL;
    }
    return skeleton;
}

unsigned long long *sl_skeleton_target_bits(struct spanlog_bpf *skeleton)
{
    _Static_assert(sizeof(skeleton->bss->target_bits) == SL_TARGET_WORDS * sizeof(unsigned long long),
                   "the target bitmap is SL_TARGET_WORDS words");
    return skeleton->bss ? (unsigned long long *)skeleton->bss->target_bits : NULL;
}

void sl_target_bitmap_set(unsigned long long *bits, unsigned int pid)
{
    /* The kernel sets and clears bits of the same words at fork and exit: atomically. */
    __atomic_fetch_or(&bits[(pid / 64) % SL_TARGET_WORDS], 1ULL << (pid % 64), __ATOMIC_SEQ_CST);
}

static struct btf *vmlinux_btf;
static int vmlinux_btf_error;

static struct btf *kernel_btf(void)
{
    if (!vmlinux_btf && !vmlinux_btf_error) {
        vmlinux_btf = btf__load_vmlinux_btf();
        if (!vmlinux_btf)
            vmlinux_btf_error = errno ? -errno : -ENOENT;
    }
    return vmlinux_btf;
}

int sl_kernel_function_id(const char *name)
{
    struct btf *btf = kernel_btf();
    if (!btf)
        return vmlinux_btf_error;
    int id = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
    return id > 0 ? id : -ENOENT;
}

int sl_probe_fexit(const char *function)
{
    int id = sl_kernel_function_id(function);
    if (id < 0)
        return id;
    /* r0 = 0; exit */
    struct bpf_insn program[2];
    memset(program, 0, sizeof(program));
    program[0].code = BPF_ALU64 | BPF_MOV | BPF_K;
    program[1].code = BPF_JMP | BPF_EXIT;
    LIBBPF_OPTS(bpf_prog_load_opts, options, .expected_attach_type = BPF_TRACE_FEXIT, .attach_btf_id = id);
    int program_fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "sl_probe", "Dual BSD/GPL", program, 2, &options);
    if (program_fd < 0)
        return -errno;
    int link_fd = bpf_raw_tracepoint_open(NULL, program_fd);
    int status = link_fd < 0 ? -errno : 0;
    if (link_fd >= 0)
        close(link_fd);
    close(program_fd);
    return status;
}

long long sl_program_verified_instructions(int program_fd)
{
    struct bpf_prog_info info;
    __u32 size = sizeof(info);
    memset(&info, 0, sizeof(info));
    if (bpf_obj_get_info_by_fd(program_fd, &info, &size) != 0)
        return -errno;
    return info.verified_insns;
}

int sl_kernel_has_helper(int helper)
{
    return libbpf_probe_bpf_helper(BPF_PROG_TYPE_RAW_TRACEPOINT, (enum bpf_func_id)helper, NULL);
}

int sl_kernel_has_ring_buffer(void)
{
    return libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL);
}
