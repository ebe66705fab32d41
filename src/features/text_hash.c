/*
 * text_hash: words of product descriptions and reason texts → hash buckets.
 *
 * Words are as__words_next's (core.h): ASCII letters and digits lower-cased, Latin-1 letters folded to their
 * base letter, apostrophes dropped, other scripts kept. "Écharpe" and "echarpe" land in the same bucket, which
 * matters for Portuguese reason texts typed with and without accents. Keyed pseudonyms are skipped: they change
 * with the user's key (as__pii_is_pseudonym).
 */
#include "features/features_internal.h"
#include "privacy/pii.h"

int as__text_buckets(const char *s, size_t n, int n_buckets, uint16_t *out, int max) {
    as_words it;
    int k = 0;
    if (n_buckets <= 0) return 0;
    as__words_init(&it, s, n);
    while (k < max && as__words_next(&it))
        if (!as__pii_is_pseudonym(it.word, it.len))
            out[k++] = (uint16_t)(as__hash64(it.word, it.len) % (uint64_t)n_buckets);
    return k;
}
