/* What the journal module needs from C: libsystemd's sd_journal_sendv, and a send over
 * journald's native socket that carries the traced writer's credentials. Only the journal
 * module imports this. Without the location macro, entries carry no CODE_FILE/CODE_LINE of
 * spanlog's own. */
#ifndef SPANLOG_JOURNAL_H
#define SPANLOG_JOURNAL_H

#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <sys/types.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

/* A datagram socket for sl_journal_send_as, or -errno. */
int sl_journal_socket(void);

/* Sends one entry (iovecs of NAME=value, as sd_journal_sendv takes them) to journald's native
 * socket at `path` with the credentials of process `pid`: journald then records that
 * process's _PID, _UID, _COMM, _EXE, _SYSTEMD_UNIT … and `journalctl` names it as the writer.
 * The kernel allows this to a process with CAP_SYS_ADMIN (another pid) and CAP_SETUID/SETGID.
 * Returns 0, or -errno: -ESRCH when the process is gone, -EPERM without the capabilities,
 * -EMSGSIZE for an entry too big for one datagram, -ECONNREFUSED/-ENOENT when nobody listens. */
int sl_journal_send_as(int fd, const char *path, const struct iovec *fields, int count, pid_t pid);

#endif
