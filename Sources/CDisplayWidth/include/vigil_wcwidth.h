#ifndef VIGIL_WCWIDTH_H
#define VIGIL_WCWIDTH_H
#include <stdint.h>

/* The C library's wcwidth, which ncurses also uses, so the cell grid and the terminal agree on widths.
   Depends on LC_CTYPE: in the plain C locale every non-ASCII character is -1. */
int vigil_wcwidth(uint32_t scalar);

/* Switches LC_ALL to the environment's locale, falling back to C.UTF-8 when that is not UTF-8.
   Returns 1 when the resulting locale is UTF-8. */
int vigil_use_utf8_locale(void);
#endif
