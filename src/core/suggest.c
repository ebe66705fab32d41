/* "Did you mean": the closest name by edit distance, shared by every message that names an unknown column. */
#include <string.h>

#include "core/core.h"

size_t as__edit_distance(const char *a, size_t la, const char *b, size_t lb) {
    size_t prev[256], cur[256];
    if (la > 250 || lb > 250) return (size_t)-1;
    for (size_t j = 0; j <= lb; j++) prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + ((a[i - 1] | 32) != (b[j - 1] | 32));
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof *prev);
    }
    return prev[lb];
}

size_t as__closest_name(const char *want, size_t want_n, const char *const *names, const size_t *name_n, size_t n) {
    size_t best = (size_t)-1, best_d = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        if (!names[i]) continue;
        size_t d = as__edit_distance(names[i], name_n ? name_n[i] : strlen(names[i]), want, want_n);
        if (d < best_d) { best_d = d; best = i; }
    }
    /* Only a near miss is a suggestion: at most a third of the letters wrong (at least one), and never a name
     * that shares nothing with the one asked for ("t" is not a typo of "b"). */
    size_t limit = want_n / 3 > 1 ? want_n / 3 : 1;
    return best_d <= limit && best_d < want_n ? best : (size_t)-1;
}
