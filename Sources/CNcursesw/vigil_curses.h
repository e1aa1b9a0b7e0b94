#ifndef VIGIL_CURSES_H
#define VIGIL_CURSES_H

/* SwiftPM drops the -D flags in ncursesw.pc, so turn the wide API on here, before anything includes curses.h. */
#define NCURSES_WIDECHAR 1
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif

#include <locale.h>
#include <stdio.h>
#include <wchar.h>
#include <ncursesw/curses.h>

/* Attributes and colour pairs are macros Swift cannot import: expose them as functions. */
static inline attr_t vigil_a_normal(void)    { return A_NORMAL; }
static inline attr_t vigil_a_bold(void)      { return A_BOLD; }
static inline attr_t vigil_a_dim(void)       { return A_DIM; }
static inline attr_t vigil_a_underline(void) { return A_UNDERLINE; }
static inline attr_t vigil_a_reverse(void)   { return A_REVERSE; }

/* Globals, read through functions so Swift 6 sees no shared mutable state. */
static inline WINDOW *vigil_stdscr(void)      { return stdscr; }
static inline int     vigil_lines(void)       { return LINES; }
static inline int     vigil_cols(void)        { return COLS; }
static inline int     vigil_colors(void)      { return COLORS; }
static inline int     vigil_color_pairs(void) { return COLOR_PAIRS; }

/* One grapheme cluster (NUL-terminated, at most CCHARW_MAX wchar_t) with attributes and a colour pair at (y, x). */
static inline int vigil_put_cluster(WINDOW *win, int y, int x, const wchar_t *cluster, attr_t attrs, short pair) {
    cchar_t cell;
    if (setcchar(&cell, cluster, attrs, pair, NULL) == ERR) return ERR;
    return mvwadd_wch(win, y, x, &cell);
}

/* wget_wch with a plain unsigned out-parameter: OK (a character), KEY_CODE_YES (a key code) or ERR (timeout). */
static inline int vigil_get_wch(WINDOW *win, unsigned int *out) {
    wint_t ch = 0;
    int rc = wget_wch(win, &ch);
    *out = (unsigned int)ch;
    return rc;
}

#endif
