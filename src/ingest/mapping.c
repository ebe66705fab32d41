/* Placeholder until the mapping-file reader lands (issue 4). */
#include "ingest/ingest.h"
as_status as__ingest_mapping(as_ingest_ctx *cx, const char *mapping_path, as_error *err) {
    (void)cx;
    return as__err(err, AS_ERR_INVALID, "%s: mapping files are not supported yet", mapping_path);
}
