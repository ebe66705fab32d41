/* libFuzzer target: the table's block reader (src/table/table_par.c) against its record reader (table.c).
 *
 * The first bytes of an input choose how it is read — threads (1 to 4), block size (1 to 512 bytes, so that
 * records, quoted fields, CRLF pairs and numbers are cut at every place), delimiter, record limit and
 * missing-value tokens — and the rest is the CSV text. Both readers must agree exactly: the same status and
 * message, and the same table cell by cell (tests/fuzz/table_compare.h). Any difference aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table/table.h"
#include "table_compare.h"

#define REQUIRE(cond, ...) do { if (!(cond)) { fprintf(stderr, "fuzz_table_blocks: %s:%d: %s: ", __FILE__, __LINE__, \
    #cond); fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 3) return 0;
    unsigned a = data[0], b = data[1], c = data[2];
    const char *s = (const char *)data + 3;
    size_t n = size - 3;
    as_table_options o = as__table_options_default();
    o.csv.delimiter = (a & 1) ? ';' : ',';
    o.csv.max_record_bytes = (a & 2) ? 8 + (c & 63) : 0;
    static const char *const na[] = {"NA", "-999", "x"};
    o.na_tokens = na;
    o.n_na_tokens = (a >> 2) & 3;

    as_table *want = NULL, *got = NULL;
    as_error e1, e2;
    memset(&e1, 0, sizeof e1);
    memset(&e2, 0, sizeof e2);
    o.record_reader = 1;
    as_status s1 = as__table_read_mem(s, n, "fuzz.csv", &o, &want, &e1);
    o.record_reader = 0;
    o.threads = 1 + (int)((a >> 4) & 3);
    o.block_bytes = 1 + (size_t)b + ((size_t)(a >> 6) << 8);
    as_status s2 = as__table_read_mem(s, n, "fuzz.csv", &o, &got, &e2);
    REQUIRE(s1 == s2, "status %d from the record reader, %d from the block reader (%s / %s)", (int)s1, (int)s2,
            s1 ? e1.msg : "", s2 ? e2.msg : "");
    if (s1) {
        REQUIRE(strcmp(e1.msg, e2.msg) == 0, "messages differ: '%s' / '%s'", e1.msg, e2.msg);
    } else {
        char why[512];
        REQUIRE(table_diff(want, got, why, sizeof why) == 0, "%s (threads %d, blocks of %zu bytes)", why, o.threads,
                o.block_bytes);
    }
    as__table_free(want);
    as__table_free(got);
    return 0;
}
