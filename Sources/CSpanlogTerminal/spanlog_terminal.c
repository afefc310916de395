#define _XOPEN_SOURCE_EXTENDED 1
#include "spanlog_terminal.h"

#include <errno.h>
#include <langinfo.h>
#include <poll.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <ncursesw/curses.h>
#include <ncursesw/term.h>

static SCREEN *screen;
static int colors_on;
static struct termios saved_termios;
static int saved_termios_valid;
static volatile sig_atomic_t running;

int sl_term_usable(void) {
    int error = 0;
    if (setupterm(NULL, STDOUT_FILENO, &error) != OK) return -1;
    const char *address = tigetstr("cup");
    int usable = address != NULL && address != (char *)-1;
    del_curterm(cur_term);
    return usable ? 0 : -2;
}

/* Async-signal-safe: leaves the alternate screen, shows the cursor, resets attributes and puts
 * back the saved terminal modes, then re-raises the signal with its default action. */
static void restore_on_crash(int signal_number) {
    if (running) {
        static const char reset[] = "\033[0m\033[?25h\033[?1049l\r\n";
        ssize_t ignored = write(STDOUT_FILENO, reset, sizeof reset - 1);
        (void)ignored;
        if (saved_termios_valid) tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
        running = 0;
    }
    signal(signal_number, SIG_DFL);
    raise(signal_number);
}

static void init_styles(void) {
    colors_on = 0;
    if (!has_colors() || start_color() != OK) return;
    use_default_colors();
    colors_on = 1;
    init_pair(SL_STYLE_RED, COLOR_RED, -1);
    init_pair(SL_STYLE_GREEN, COLOR_GREEN, -1);
    init_pair(SL_STYLE_YELLOW, COLOR_YELLOW, -1);
    init_pair(SL_STYLE_CYAN, COLOR_CYAN, -1);
    init_pair(SL_STYLE_HEADER, COLOR_BLACK, COLOR_CYAN);
    init_pair(SL_STYLE_SELECTED, COLOR_BLACK, COLOR_YELLOW);
    init_pair(SL_STYLE_KEY, COLOR_BLACK, COLOR_CYAN);
    /* The spectrogram: sysdig's palette runs from cold to hot. With 256 colours, five steps of
     * it; with 8, blue, cyan, green, yellow, red. */
    static const short rich[] = {19, 33, 46, 226, 196};
    static const short plain[] = {COLOR_BLUE, COLOR_CYAN, COLOR_GREEN, COLOR_YELLOW, COLOR_RED};
    for (int step = 0; step < 5; step++) {
        short color = COLORS >= 256 ? rich[step] : plain[step];
        init_pair(SL_STYLE_HEAT1 + step, COLOR_BLACK, color);
    }
}

int sl_term_start(int color) {
    setlocale(LC_CTYPE, "");
    if (tcgetattr(STDIN_FILENO, &saved_termios) == 0) saved_termios_valid = 1;
    screen = newterm(NULL, stdout, stdin);
    if (screen == NULL) return -1;
    set_term(screen);
    running = 1;
    static const int fatal[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP};
    for (unsigned index = 0; index < sizeof fatal / sizeof fatal[0]; index++) {
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = restore_on_crash;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESETHAND;
        sigaction(fatal[index], &action, NULL);
    }
    raw();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    if (color) init_styles();
    return 0;
}

void sl_term_stop(void) {
    if (!running || screen == NULL) return;
    running = 0;
    curs_set(1);
    endwin();
    delscreen(screen);
    screen = NULL;
    if (saved_termios_valid) tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
}

int sl_term_utf8(void) {
    setlocale(LC_CTYPE, "");
    const char *codeset = nl_langinfo(CODESET);
    return codeset != NULL && (strcmp(codeset, "UTF-8") == 0 || strcmp(codeset, "utf8") == 0);
}

void sl_term_size(int *out_rows, int *out_columns) {
    int height = 0, width = 0;
    getmaxyx(stdscr, height, width);
    *out_rows = height;
    *out_columns = width;
}

int sl_term_read_key(int timeout_ms) {
    /* A terminal that went away (its emulator closed, the ssh connection dropped) makes getch
     * return at once, for ever: poll tells a hang-up from a timeout. Keys ncurses has read
     * ahead (the rest of an escape sequence) are taken without waiting. */
    struct pollfd input = {.fd = STDIN_FILENO, .events = POLLIN};
    int ready = poll(&input, 1, timeout_ms);
    if (ready < 0 && errno != EINTR) return SL_KEY_HANGUP;
    int hung_up = ready > 0 && (input.revents & (POLLHUP | POLLERR | POLLNVAL));
    timeout(0);
    int key = getch();
    /* Nothing left to read from a hung-up terminal, or readable yet empty: its input ended. */
    if (key == ERR && (hung_up || ready > 0)) return SL_KEY_HANGUP;
    switch (key) {
    case ERR: return SL_KEY_NONE;
    case KEY_UP: return SL_KEY_UP;
    case KEY_DOWN: return SL_KEY_DOWN;
    case KEY_LEFT: return SL_KEY_LEFT;
    case KEY_RIGHT: return SL_KEY_RIGHT;
    case KEY_PPAGE: return SL_KEY_PAGE_UP;
    case KEY_NPAGE: return SL_KEY_PAGE_DOWN;
    case KEY_HOME: return SL_KEY_HOME;
    case KEY_END: return SL_KEY_END;
    case KEY_ENTER: case '\r': case '\n': return SL_KEY_ENTER;
    case KEY_BACKSPACE: case 127: case 8: return SL_KEY_BACKSPACE;
    case KEY_RESIZE: return SL_KEY_RESIZE;
    case KEY_F(1): return SL_KEY_F1;
    default: return key >= 0 && key < 256 ? key : SL_KEY_OTHER;
    }
}

static attr_t attributes(int style) {
    switch (style) {
    case SL_STYLE_BOLD: return A_BOLD;
    case SL_STYLE_DIM: return A_DIM;
    case SL_STYLE_HEADER: case SL_STYLE_KEY: return colors_on ? COLOR_PAIR(style) : A_REVERSE;
    case SL_STYLE_SELECTED: return colors_on ? COLOR_PAIR(style) | A_BOLD : A_REVERSE | A_BOLD;
    case SL_STYLE_RED: return colors_on ? COLOR_PAIR(style) | A_BOLD : A_BOLD;
    case SL_STYLE_GREEN: case SL_STYLE_YELLOW: case SL_STYLE_CYAN: return colors_on ? COLOR_PAIR(style) : A_NORMAL;
    default:
        if (style >= SL_STYLE_HEAT1 && style <= SL_STYLE_HEAT5) return colors_on ? COLOR_PAIR(style) : A_NORMAL;
        return A_NORMAL;
    }
}

void sl_term_put(int row, int column, const char *utf8, int length, int style) {
    attrset(attributes(style));
    mvaddnstr(row, column, utf8, length);
    attrset(A_NORMAL);
}

void sl_term_clear_to_end_of_row(int row, int column) {
    attrset(A_NORMAL);
    move(row, column);
    clrtoeol();
}

void sl_term_refresh(void) { refresh(); }

void sl_term_clear_all(void) { clearok(curscr, TRUE); }
