#define _XOPEN_SOURCE 700
#include <langinfo.h>
#include <locale.h>
#include <string.h>
#include <wchar.h>
#include "vigil_wcwidth.h"

int vigil_wcwidth(uint32_t scalar) { return wcwidth((wchar_t)scalar); }

int vigil_use_utf8_locale(void) {
    if (setlocale(LC_ALL, "") != NULL && strcmp(nl_langinfo(CODESET), "UTF-8") == 0) return 1;
    if (setlocale(LC_ALL, "C.UTF-8") != NULL && strcmp(nl_langinfo(CODESET), "UTF-8") == 0) return 1;
    return 0;
}
