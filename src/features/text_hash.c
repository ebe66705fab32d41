/*
 * text_hash: words of product descriptions and reason texts → hash buckets.
 *
 * A word is a run of ASCII letters and digits, Latin-1 letters (UTF-8 C3 xx) folded to their base letter, and any
 * other non-ASCII bytes (kept as they are, so other scripts still form words). "Écharpe" and "echarpe" land in
 * the same bucket, which matters for Portuguese reason texts typed with and without accents. Pseudonyms are
 * skipped (see is_pseudonym).
 */
#include <string.h>

#include "features/features_internal.h"
#include "privacy/pii.h"

/* Base letter of U+00C0 … U+00FF (second byte 0x80 … 0xBF after C3), lower case; 0 = not a letter. */
static const char k_fold[64] = "aaaaaaaceeeeiiiidnooooo\0ouuuuyts" "aaaaaaaceeeeiiiidnooooo\0ouuuuyty";

/* A keyed pseudonym ("px" + 20 hex digits, privacy/pii.h) that ingest put in place of an e-mail address or phone
 * number is not a word: it changes with the user's key, and a feature that hashed it would make the same shop
 * give different models under different keys. */
static int is_pseudonym(const char *w, size_t n) {
    if (n != AS_PII_PSEUDONYM_LEN || w[0] != 'p' || w[1] != 'x') return 0;
    for (size_t i = 2; i < n; i++)
        if (!((w[i] >= '0' && w[i] <= '9') || (w[i] >= 'a' && w[i] <= 'f'))) return 0;
    return 1;
}

int as__text_buckets(const char *s, size_t n, int n_buckets, uint16_t *out, int max) {
    char word[64];
    size_t wl = 0;
    int k = 0;
    if (n_buckets <= 0) return 0;
    for (size_t i = 0; i <= n && k < max; i++) {
        unsigned char c = i < n ? (unsigned char)s[i] : ' ';
        char folded = 0;
        size_t step = 0;
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) folded = (char)c;
        else if (c >= 'A' && c <= 'Z') folded = (char)(c - 'A' + 'a');
        else if (c == 0xC3 && i + 1 < n && ((unsigned char)s[i + 1] & 0xC0) == 0x80) {
            folded = k_fold[(unsigned char)s[i + 1] - 0x80];
            step = 1;
            if (!folded) folded = ' ';                     /* × and ÷ separate words */
        } else if (c >= 0x80) folded = (char)c;
        if (folded && folded != ' ') {
            if (wl < sizeof word) word[wl++] = folded;     /* longer words: their first 64 bytes */
            if (step && (unsigned char)s[i + 1] == 0x9F && wl < sizeof word) word[wl++] = 's';   /* ß → ss */
        } else if (wl) {
            if (!is_pseudonym(word, wl)) out[k++] = (uint16_t)(as__hash64(word, wl) % (uint64_t)n_buckets);
            wl = 0;
        }
        i += step;
    }
    return k;
}
