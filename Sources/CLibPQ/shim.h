#ifndef CLIBPQ_SHIM_H
#define CLIBPQ_SHIM_H
/* libpq, PostgreSQL's own client library (Debian: libpq-dev). Only VigilStorePostgres imports it. */
#include <libpq-fe.h>
#endif
