#include <stdio.h>
#include <string.h>

#include "core/core.h"

const char *as_strerror(as_status code) {
    switch (code) {
    case AS_OK: return "ok";
    case AS_ERR_NOMEM: return "out of memory";
    case AS_ERR_IO: return "input/output error";
    case AS_ERR_PARSE: return "parse error";
    case AS_ERR_INVALID: return "invalid argument";
    case AS_ERR_DB: return "database error";
    case AS_ERR_NUMERIC: return "numeric error";
    case AS_ERR_NODATA: return "no data";
    case AS_ERR_FORMAT: return "unsupported format";
    case AS_ERR_STATE: return "step run out of order";
    }
    return "unknown error";
}

as_status as__err(as_error *err, as_status code, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

void as__err_prefix(as_error *err, const char *fmt, ...) {
    if (!err) return;
    char prefix[512], old[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    snprintf(err->msg, sizeof err->msg, "%s: %s", prefix, old);
}
