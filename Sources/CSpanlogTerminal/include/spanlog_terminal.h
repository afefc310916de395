/* What `spanlog top` needs of ncursesw: start and stop the full screen, read a key, draw runs of
 * UTF-8 text in a few styles. ncurses' interface is mostly macros and globals (stdscr, COLORS,
 * COLOR_PAIR), which Swift cannot call; these functions wrap them. Only the top module imports
 * this. */
#ifndef SPANLOG_TERMINAL_H
#define SPANLOG_TERMINAL_H

/* Styles a run of text can have; the Swift side names them the same way (TerminalStyle). */
enum sl_term_style {
    SL_STYLE_NORMAL = 0,
    SL_STYLE_BOLD,
    SL_STYLE_DIM,
    SL_STYLE_RED,
    SL_STYLE_GREEN,
    SL_STYLE_YELLOW,
    SL_STYLE_CYAN,
    SL_STYLE_HEADER,    /* the column headings and the title bar */
    SL_STYLE_SELECTED,  /* the row under the cursor */
    SL_STYLE_KEY,       /* a key on the bottom bar */
    SL_STYLE_HEAT1,     /* spectrogram cells, from few spans to many */
    SL_STYLE_HEAT2,
    SL_STYLE_HEAT3,
    SL_STYLE_HEAT4,
    SL_STYLE_HEAT5,
    SL_STYLE_COUNT
};

/* Keys beyond single bytes, as sl_term_read_key returns them (negative: no byte collides). */
enum sl_term_key {
    SL_KEY_NONE = -1,   /* the timeout passed */
    SL_KEY_UP = -2,
    SL_KEY_DOWN = -3,
    SL_KEY_LEFT = -4,
    SL_KEY_RIGHT = -5,
    SL_KEY_PAGE_UP = -6,
    SL_KEY_PAGE_DOWN = -7,
    SL_KEY_HOME = -8,
    SL_KEY_END = -9,
    SL_KEY_ENTER = -10,
    SL_KEY_BACKSPACE = -11,
    SL_KEY_RESIZE = -12,
    SL_KEY_F1 = -13,
    SL_KEY_HANGUP = -14, /* the terminal is gone */
    SL_KEY_OTHER = -99
};

/* Whether this terminal can be driven full screen: TERM names a terminfo entry with cursor
 * addressing. 0: yes; -1: no entry; -2: no cursor addressing (TERM=dumb). */
int sl_term_usable(void);

/* Starts the full screen on the process's terminal (standard input and output): alternate
 * screen, no echo, raw keys (Ctrl-C arrives as byte 3), keypad, hidden cursor. Colours when
 * `color` and the terminal has them. Returns 0, or -1 when ncurses refuses the terminal. Also
 * installs handlers that restore the terminal before a crash (SIGSEGV, SIGBUS, SIGILL, SIGFPE,
 * SIGABRT, SIGTRAP) and then let the signal take its course. */
int sl_term_start(int color);
/* Restores the terminal as it was. Safe to call twice. */
void sl_term_stop(void);
/* Whether the locale's characters are UTF-8 (box and block characters can be drawn). */
int sl_term_utf8(void);

void sl_term_size(int *out_rows, int *out_columns);
/* Waits up to `timeout_ms` for a key (0: do not wait). */
int sl_term_read_key(int timeout_ms);

/* Draws `length` bytes of UTF-8 at (row, column) in `style`; the caller has cut the text to the
 * width. */
void sl_term_put(int row, int column, const char *utf8, int length, int style);
/* Clears from (row, column) to the end of the row. */
void sl_term_clear_to_end_of_row(int row, int column);
/* Shows what was drawn: ncurses sends only the cells that changed. */
void sl_term_refresh(void);
/* The next refresh redraws the whole screen (after a resize, or Ctrl-L). */
void sl_term_clear_all(void);

#endif
