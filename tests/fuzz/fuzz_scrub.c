/* libFuzzer target for the personal-data scrubber (privacy/pii) and the reason lexicon.
 *
 * For every input: counting without a key finds as many e-mails and phones as scrubbing with one; text with
 * nothing found comes back byte for byte; scrubbed text holds nothing more to scrub (a replacement never leaves
 * or creates a personal value) and its length is bounded by the replacements; the column-name check and the reason classifier accept any bytes. Any broken
 * invariant aborts, which libFuzzer reports as a crash; sanitizers catch memory errors and leaks. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "privacy/pii.h"
#include "quality/reasons.h"

#define REQUIRE(cond) do { if (!(cond)) { fprintf(stderr, "fuzz_scrub: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
    abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *text = (const char *)data;
    as_pii_key key;
    for (int i = 0; i < AS_PII_KEY_BYTES; i++) key.k[i] = (unsigned char)(i * 29 + 1);
    as_buf once, twice;
    as__buf_init(&once, 0);
    as__buf_init(&twice, 0);

    long counted = as__pii_scrub(NULL, text, size, NULL);
    long found = as__pii_scrub(&key, text, size, &once);
    /* Scrubbing repeats until nothing is left, so it can find more than one counting pass. */
    REQUIRE(counted >= 0 && found >= counted);
    if (found == 0) {
        REQUIRE(once.len == size && (size == 0 || memcmp(once.data, text, size) == 0));
    } else {
        /* each replacement swaps at least 6 bytes (an e-mail is at least "a@b.cd", a phone 8 digits) for one
         * pseudonym */
        REQUIRE(once.len <= size + (size_t)found * (AS_PII_PSEUDONYM_LEN - 6));
        long again = as__pii_scrub(&key, once.data, once.len, &twice);
        if (again != 0) {
            fprintf(stderr, "fuzz_scrub: scrubbed text still holds %ld value(s): '%.*s' -> '%.*s'\n", again,
                    (int)(size > 200 ? 200 : size), text, (int)(once.len > 200 ? 200 : once.len), once.data);
            abort();
        }
    }

    /* The same input as a column name (NUL-terminated copy) and as a reason text. */
    char name[256];
    size_t n = size < sizeof name - 1 ? size : sizeof name - 1;
    memcpy(name, data, n);
    name[n] = '\0';
    int personal = as__pii_name_looks_personal(name);
    REQUIRE(personal == 0 || personal == 1);
    int rec = -1;
    as_reason_class c = as__reason_classify(text, size, &rec);
    REQUIRE(c >= 0 && c < AS_REASON_N && (rec == 0 || rec == 1));
    REQUIRE((c == AS_REASON_OTHER) == (rec == 0));
    REQUIRE(as__reason_class_name(c) != NULL);

    as__buf_free(&once);
    as__buf_free(&twice);
    return 0;
}
