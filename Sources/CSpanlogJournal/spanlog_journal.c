#define _GNU_SOURCE
#include "spanlog_journal.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int sl_journal_socket(void)
{
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    /* Entries up to a few MiB fit one datagram when the buffer allows it (journald's own
     * receive buffer is 8 MiB); FORCE works for root, the plain one up to wmem_max. */
    int size = 8 * 1024 * 1024;
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
    return fd;
}

/* The native protocol: `NAME=value\n`, or for a value holding a newline
 * `NAME\n<64-bit little-endian length><value>\n`. */
static size_t serialized_size(const struct iovec *fields, int count)
{
    size_t size = 0;
    for (int i = 0; i < count; i++)
        size += fields[i].iov_len + 1 + 8;
    return size;
}

static size_t serialize(const struct iovec *fields, int count, uint8_t *out)
{
    uint8_t *at = out;
    for (int i = 0; i < count; i++) {
        const uint8_t *field = fields[i].iov_base;
        size_t length = fields[i].iov_len;
        const uint8_t *equals = memchr(field, '=', length);
        size_t name_length = equals ? (size_t)(equals - field) : length;
        const uint8_t *value = equals ? equals + 1 : field + length;
        size_t value_length = length - name_length - (equals ? 1 : 0);
        if (memchr(value, '\n', value_length)) {
            memcpy(at, field, name_length);
            at += name_length;
            *at++ = '\n';
            uint64_t le = value_length;
            for (int byte = 0; byte < 8; byte++)
                *at++ = (uint8_t)(le >> (8 * byte));
            memcpy(at, value, value_length);
            at += value_length;
        } else {
            memcpy(at, field, length);
            at += length;
        }
        *at++ = '\n';
    }
    return (size_t)(at - out);
}

int sl_journal_send_as(int fd, const char *path, const struct iovec *fields, int count, pid_t pid)
{
    /* The owner of /proc/PID is the process's effective uid and gid. */
    char proc[32];
    struct stat owner;
    snprintf(proc, sizeof(proc), "/proc/%d", (int)pid);
    if (stat(proc, &owner) < 0)
        return -ESRCH;

    uint8_t *buffer = malloc(serialized_size(fields, count));
    if (!buffer)
        return -ENOMEM;
    size_t length = serialize(fields, count, buffer);

    struct sockaddr_un address = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(address.sun_path)) {
        free(buffer);
        return -ENAMETOOLONG;
    }
    strcpy(address.sun_path, path);
    struct iovec datagram = {.iov_base = buffer, .iov_len = length};
    union {
        struct cmsghdr header;
        uint8_t space[CMSG_SPACE(sizeof(struct ucred))];
    } control;
    memset(&control, 0, sizeof(control));
    struct msghdr message = {
        .msg_name = &address,
        .msg_namelen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path)),
        .msg_iov = &datagram,
        .msg_iovlen = 1,
        .msg_control = &control,
        .msg_controllen = sizeof(control),
    };
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_CREDENTIALS;
    header->cmsg_len = CMSG_LEN(sizeof(struct ucred));
    struct ucred credentials = {.pid = pid, .uid = owner.st_uid, .gid = owner.st_gid};
    memcpy(CMSG_DATA(header), &credentials, sizeof(credentials));

    ssize_t sent = sendmsg(fd, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
    int result = sent < 0 ? -errno : 0;
    free(buffer);
    return result;
}
