/* libFuzzer target: arbitrary bytes as an Online Retail export, ingested into an in-memory database.
 * Whatever the input, ingest must return a status (never crash, leak or trip a sanitizer), and every record
 * it read must be accounted for as loaded, updated, rejected or an unchanged duplicate. Also feeds the date and number parsers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aftersales/aftersales.h"
#include "core/core.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    int64_t t;
    double d;
    as__time_parse_n((const char *)data, size, &t);
    as__parse_double((const char *)data, size, &d);
    as__parse_int64((const char *)data, size, &t);

    char path[] = "/tmp/as_fuzz_ingest_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return 0;
    static const char header[] = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n";
    /* Half the inputs get a valid header so the fuzzer reaches the record mapping quickly. */
    int with_header = size > 0 && (data[0] & 1);
    if ((with_header && write(fd, header, sizeof header - 1) < 0) || (size && write(fd, data, size) < 0)) {
        close(fd);
        unlink(path);
        return 0;
    }
    close(fd);
    as_db *db = NULL;
    as_error err;
    if (as_db_open(":memory:", &db, &err) == AS_OK) {
        as_ingest_params ip = as_ingest_params_default();
        as_ingest_stats s;
        as_status st = as_ingest(db, path, &ip, &s, &err);
        if (st == AS_OK && s.loaded + s.rejected + s.skipped_duplicates + s.updated != s.records_read) abort();
        as_db_close(db);
    }
    unlink(path);
    return 0;
}
