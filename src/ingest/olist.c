/* Placeholder until the Olist preset lands (issue 4). */
#include "ingest/ingest.h"
as_status as__ingest_olist(as_ingest_ctx *cx, const char *dir, as_error *err) {
    (void)cx;
    return as__err(err, AS_ERR_INVALID, "%s: the olist preset is not supported yet", dir);
}
