/* Placeholder until the pseudonymization module lands (issue 4). */
#include <string.h>
#include "privacy/pii.h"
as_status as__pii_key_load(const char *path, int create, as_pii_key *key, int *created, int *world_readable,
                           as_error *err) {
    (void)create; (void)key; (void)created; (void)world_readable;
    return as__err(err, AS_ERR_IO, "%s: pseudonymization is not supported yet", path);
}
size_t as__pii_pseudonym(const as_pii_key *key, const char *domain, const char *value, size_t n, char *out) {
    (void)key; (void)domain; (void)value; (void)n; out[0] = '\0'; return 0;
}
long as__pii_scrub(const as_pii_key *key, const char *text, size_t n, as_buf *out) {
    (void)key; as__buf_clear(out); return as__buf_append(out, text, n) ? -1 : 0;
}
int as__pii_name_looks_personal(const char *column) { (void)column; return 0; }
