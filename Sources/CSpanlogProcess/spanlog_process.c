#define _GNU_SOURCE
#include "spanlog_process.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* The command's process group, for the session holder's signal forwarding. */
static volatile pid_t held_command_group;

static void forward_to_command(int number)
{
    if (held_command_group > 0)
        kill(-held_command_group, number);
}

/* In the forked child, after setsid: forks the command's process (returns 0 in it, after the
 * holder made its group the terminal's foreground one) and, in this process, waits for it to
 * end, gives the terminal's foreground back to its own group, so that its own exit hangs up
 * nobody but itself, and exits as the command did. Signals spanlog sends this process's group
 * are passed on to the command's. Only async-signal-safe calls: this runs in a fork of a
 * threaded process. Returns -1 when the command could not be forked. */
static int hold_session(int terminal, int report_fd)
{
    int gate[2];
    if (pipe2(gate, O_CLOEXEC) != 0)
        return -1;
    pid_t holder = getpid();
    pid_t command = fork();
    if (command < 0) {
        int error = errno;
        (void)!write(report_fd, &error, sizeof(error));
        return -1;
    }
    if (command == 0) {
        close(gate[1]);
        char go;
        while (read(gate[0], &go, 1) < 0 && errno == EINTR) {
        }
        close(gate[0]);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != holder)
            _exit(128 + SIGKILL);
        return 0;
    }
    close(gate[0]);
    close(report_fd);
    /* Told apart from spanlog itself in ps and pgrep (its command line is spanlog's). */
    prctl(PR_SET_NAME, "spanlog-session", 0, 0, 0);
    setpgid(command, command);
    signal(SIGTTOU, SIG_IGN);
    tcsetpgrp(terminal, command);
    held_command_group = command;
    struct sigaction forward;
    memset(&forward, 0, sizeof(forward));
    forward.sa_handler = forward_to_command;
    sigemptyset(&forward.sa_mask);
    int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
    for (unsigned i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
        sigaction(forwarded[i], &forward, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    char go = 1;
    (void)!write(gate[1], &go, 1);
    close(gate[1]);
    int status = 0;
    while (waitpid(command, &status, 0) < 0 && errno == EINTR) {
    }
    tcsetpgrp(terminal, getpgrp());
    if (WIFSIGNALED(status)) {
        int number = WTERMSIG(status);
        struct rlimit no_core = {0, 0};
        setrlimit(RLIMIT_CORE, &no_core);
        signal(number, SIG_DFL);
        sigset_t only;
        sigemptyset(&only);
        sigaddset(&only, number);
        sigprocmask(SIG_UNBLOCK, &only, NULL);
        raise(number);
        _exit(128 + number);
    }
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

pid_t sl_spawn_gated(const char *path, char *const argv[], int stdout_fd, int stderr_fd, int new_session,
                     int own_group, int *gate_fd, int *exec_error_fd)
{
    pid_t parent = getpid();
    int gate[2], report[2];
    if (pipe2(gate, O_CLOEXEC) != 0)
        return -errno;
    if (pipe2(report, O_CLOEXEC) != 0) {
        int saved = errno;
        close(gate[0]);
        close(gate[1]);
        return -saved;
    }
    pid_t pid = fork();
    if (pid < 0) {
        int saved = errno;
        close(gate[0]);
        close(gate[1]);
        close(report[0]);
        close(report[1]);
        return -saved;
    }
    if (pid == 0) {
        /* Child: only async-signal-safe calls from here to exec. */
        close(gate[1]);
        close(report[0]);
        char go;
        while (read(gate[0], &go, 1) < 0 && errno == EINTR) {
        }
        close(gate[0]);
        /* If spanlog dies (SIGKILL, a crash), the command goes with it instead of running on
         * untraced; the parent may already be gone by the time this is set. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(128 + SIGKILL);
        if (new_session) {
            setsid();
            if (stdout_fd >= 0)
                ioctl(stdout_fd, TIOCSCTTY, 0);
            /* This process stays as the terminal's session leader, as an interactive shell
             * does, and runs the command in a process group of its own. When the leader of a
             * session exits, the kernel hangs up the terminal's foreground group: were the
             * command the leader, what it leaves running (`server &` in a start script) would
             * get SIGHUP as it exits. */
            if (stdout_fd >= 0 && hold_session(stdout_fd, report[1]) == 0)
                goto run_command;
            _exit(127);
        } else if (own_group) {
            setpgid(0, 0);
        }
    run_command:
        if (stdout_fd >= 0)
            dup2(stdout_fd, 1);
        if (stderr_fd >= 0)
            dup2(stderr_fd, 2);
        /* Whatever spanlog opened for itself stays with spanlog. */
        if (stdout_fd > 2)
            close(stdout_fd);
        if (stderr_fd > 2 && stderr_fd != stdout_fd)
            close(stderr_fd);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execvp(path, argv);
        int error = errno;
        (void)!write(report[1], &error, sizeof(error));
        _exit(127);
    }
    close(gate[0]);
    close(report[1]);
    *gate_fd = gate[1];
    *exec_error_fd = report[0];
    return pid;
}

int sl_release_child(int gate_fd, int exec_error_fd)
{
    char go = 1;
    (void)!write(gate_fd, &go, 1);
    close(gate_fd);
    int error = 0;
    ssize_t count;
    do {
        count = read(exec_error_fd, &error, sizeof(error));
    } while (count < 0 && errno == EINTR);
    close(exec_error_fd);
    return count == (ssize_t)sizeof(error) ? error : 0;
}

int sl_open_pty(int *master_fd, int *slave_fd)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0)
        return -errno;
    if (grantpt(master) != 0 || unlockpt(master) != 0) {
        int saved = errno;
        close(master);
        return -saved;
    }
    char name[128];
    if (ptsname_r(master, name, sizeof(name)) != 0) {
        int saved = errno;
        close(master);
        return -saved;
    }
    int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) {
        int saved = errno;
        close(master);
        return -saved;
    }
    /* The traced program's bytes are captured at write(); the terminal only has to keep it
     * line-buffered, so turn off echo and output processing. */
    struct termios settings;
    if (tcgetattr(slave, &settings) == 0) {
        cfmakeraw(&settings);
        tcsetattr(slave, TCSANOW, &settings);
    }
    *master_fd = master;
    *slave_fd = slave;
    return 0;
}

static volatile sig_atomic_t pending_signal;
/* SIGHUPs not yet taken, and in the top bit whether taking them has ended (the session judged
 * its last event). One atomic word, so each SIGHUP is either taken by the poll loop or, once
 * taking has ended, reported by the handler itself: never both, never neither. */
#define HANGUPS_CLOSED 0x40000000
static volatile int hangup_state;
static volatile uint64_t first_hangup_ns;
/* Copied in before taking ends, so the handler writes only what it owns. */
static char late_hangup_message[256];
static volatile int late_hangup_reported;
static volatile pid_t forward_pid;

static void on_signal(int number)
{
    if (number == SIGHUP) {
        /* SIGHUP asks for a reload (rules, the service's config); it stops nothing. The moment
         * is read here, not when the poll loop gets to it: the reload applies from then on. */
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        uint64_t expected = 0;
        __atomic_compare_exchange_n(&first_hangup_ns, &expected,
                                    (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec, 0,
                                    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
        int before = __atomic_fetch_add(&hangup_state, 1, __ATOMIC_SEQ_CST);
        if ((before & HANGUPS_CLOSED) && late_hangup_reported) {
            int saved = errno;
            ssize_t ignored = write(STDERR_FILENO, late_hangup_message, strlen(late_hangup_message));
            (void)ignored;
            errno = saved;
        }
        return;
    }
    pending_signal = number;
    /* Negative: a process group, as a terminal's Ctrl-C reaches every process of the job. */
    if (forward_pid != 0)
        kill(forward_pid, number);
}

void sl_install_signal_handlers(pid_t forward_to)
{
    forward_pid = forward_to;
    /* A new session takes SIGHUPs again (an earlier one in this process closed them). */
    __atomic_store_n(&hangup_state, 0, __ATOMIC_SEQ_CST);
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGHUP, &action, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* A parent may have started spanlog with these blocked (test runners, some supervisors). */
    sigset_t handled;
    sigemptyset(&handled);
    sigaddset(&handled, SIGINT);
    sigaddset(&handled, SIGTERM);
    sigaddset(&handled, SIGHUP);
    sigprocmask(SIG_UNBLOCK, &handled, NULL);
}

int sl_pending_signal(void)
{
    return pending_signal;
}

int sl_take_hangups(uint64_t *first_monotonic_ns)
{
    int count = __atomic_exchange_n(&hangup_state, 0, __ATOMIC_SEQ_CST) & ~HANGUPS_CLOSED;
    uint64_t first = __atomic_exchange_n(&first_hangup_ns, 0, __ATOMIC_SEQ_CST);
    if (count > 0 && first_monotonic_ns != NULL)
        *first_monotonic_ns = first;
    return count;
}

int sl_close_hangups(const char *late_message)
{
    late_hangup_reported = 0;
    if (late_message != NULL) {
        strncpy(late_hangup_message, late_message, sizeof(late_hangup_message) - 1);
        late_hangup_message[sizeof(late_hangup_message) - 1] = 0;
        late_hangup_reported = 1;
    }
    int count = __atomic_fetch_or(&hangup_state, HANGUPS_CLOSED, __ATOMIC_SEQ_CST) & ~HANGUPS_CLOSED;
    __atomic_store_n(&first_hangup_ns, 0, __ATOMIC_SEQ_CST);
    return count;
}
