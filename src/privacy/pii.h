/*
 * privacy/pii — personal data never reaches the database, the reports or the logs (issue 4).
 *
 * Columns declared personal (by a preset or a mapping file) are either dropped at ingest or replaced by a keyed
 * pseudonym: HMAC-SHA-256 (libsodium's crypto_auth_hmacsha256) of the value under a 32-byte key that the user
 * keeps in a key file, cut to 80 bits and written as "px" + 20 lower-case hex digits. The same value under the
 * same key and domain always gives the same pseudonym, so joins across tables still work (a customer e-mail used
 * as customer_id in orders and in returns maps to the same pseudonym); without the key, the value cannot be
 * recovered or confirmed by guessing. Free text (reasons, review texts, descriptions) is scrubbed: e-mail
 * addresses and phone numbers inside it are replaced by pseudonyms of domain "email" / "phone".
 */
#ifndef AS_PRIVACY_PII_H
#define AS_PRIVACY_PII_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

#define AS_PII_KEY_BYTES 32
#define AS_PII_PSEUDONYM_LEN 22           /* "px" + 20 hex digits, without the terminating NUL */

typedef struct as_pii_key {
    unsigned char k[AS_PII_KEY_BYTES];
} as_pii_key;

/* What to do with a column declared personal. */
typedef enum as_pii_action { AS_PII_KEEP = 0, AS_PII_DROP = 1, AS_PII_PSEUDONYMIZE = 2 } as_pii_action;

/* Loads the key from `path` (64 hex digits, surrounding blanks allowed). When the file does not exist and
 * create is 1, makes a new random key (libsodium's randombytes_buf), writes it with mode 0600 and sets *created.
 * Errors: AS_ERR_IO (unreadable, unwritable: names the path), AS_ERR_PARSE (not 64 hex digits: says how to make a
 * new one). A key file readable by group or others is accepted; *world_readable (may be NULL) is then set to 1 so
 * the caller can warn. */
as_status as__pii_key_load(const char *path, int create, as_pii_key *key, int *created, int *world_readable,
                           as_error *err);

/* Writes the pseudonym of value[0..n) in `domain` (for example the canonical field "customer_id") into out
 * (at least AS_PII_PSEUDONYM_LEN + 1 bytes), NUL-terminated. Returns AS_PII_PSEUDONYM_LEN. An empty value stays
 * empty (returns 0): a missing value is not personal data. */
size_t as__pii_pseudonym(const as_pii_key *key, const char *domain, const char *value, size_t n, char *out);

/* 1 when the word w[0..n) has the form of a pseudonym: "px" + 20 lower-case hex digits. A pseudonym that ingest
 * put in place of an e-mail address or phone number is not a word of the text: it changes with the user's key,
 * and a text feature that hashed it would make the same shop give different models under different keys. */
int as__pii_is_pseudonym(const char *w, size_t n);

/* Copies text[0..n) into *out (cleared first) with every e-mail address and phone number replaced by its
 * pseudonym. Returns the number of replacements (0: out holds the text unchanged), or −1 when out of memory.
 * Phone numbers: 8 to 15 digits with optional leading +, country code in parentheses, and single spaces, dots,
 * hyphens or slashes between digit groups; dates (2011-12-09), times, amounts with decimals and runs that are
 * part of a longer token (order numbers such as A123456789) are not phone numbers.
 * With key NULL (or out NULL) nothing is replaced: the return value counts what would be, so a caller can skip
 * loading a key for text that holds no personal data; out, when given, receives the text unchanged. */
long as__pii_scrub(const as_pii_key *key, const char *text, size_t n, as_buf *out);

/* 1 when a column name looks personal by itself (name, first_name, surname, e-mail, email, phone, telephone,
 * mobile, address, street, zip, postcode, birth…; case and separators ignored). Presets use it to warn about
 * undeclared columns and the canonical preset to drop them. */
int as__pii_name_looks_personal(const char *column);

#endif
