#define _GNU_SOURCE
#include "spanlog_bpf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int libbpf_verbose;

static int print_libbpf(enum libbpf_print_level level, const char *format, va_list args)
{
    if (!libbpf_verbose && level != LIBBPF_WARN)
        return 0;
    if (!libbpf_verbose)
        return 0; /* warnings are summarised by spanlog's own error messages */
    return vfprintf(stderr, format, args);
}

void sl_libbpf_set_verbose(int verbose)
{
    libbpf_verbose = verbose;
    libbpf_set_print(print_libbpf);
}

int sl_set_config(struct bpf_object *object, const struct sl_config *config)
{
    struct bpf_map *map;
    bpf_object__for_each_map(map, object) {
        const char *name = bpf_map__name(map);
        size_t length = strlen(name);
        if (length < 7 || strcmp(name + length - 7, ".rodata") != 0)
            continue;
        size_t size = 0;
        /* The initial value is libbpf's own copy, written to the kernel at load. */
        void *data = (void *)bpf_map__initial_value(map, &size);
        if (!data || size < sizeof(*config))
            return -EINVAL;
        memcpy(data, config, sizeof(*config));
        return 0;
    }
    return -ENOENT;
}

void sl_target_bitmap_set(unsigned long long *bits, unsigned int pid)
{
    /* The kernel sets and clears bits of the same words at fork and exit: atomically. */
    __atomic_fetch_or(&bits[(pid / 64) % SL_TARGET_WORDS], 1ULL << (pid % 64), __ATOMIC_SEQ_CST);
}
