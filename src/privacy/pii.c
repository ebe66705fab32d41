/*
 * privacy/pii — keyed pseudonyms (libsodium HMAC-SHA-256), the key file, and the e-mail / phone scrubber for
 * free text. The contract is in pii.h; the rules are documented in docs/presets.md ("Personal data").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "privacy/pii.h"

static const char k_hex[] = "0123456789abcdef";

/* libsodium must be initialised once before randombytes_buf; sodium_init is itself idempotent and thread-safe,
 * the flag only saves the call. */
static int sodium_ready(void) {
    static int ready;
    if (!ready && sodium_init() >= 0) ready = 1;
    return ready;
}

static int hex_value(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int is_blank(int c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Parses 64 hex digits with blanks around them. */
static int parse_key(const char *s, size_t n, as_pii_key *key) {
    while (n && is_blank((unsigned char)s[n - 1])) n--;
    while (n && is_blank((unsigned char)*s)) { s++; n--; }
    if (n != 2 * AS_PII_KEY_BYTES) return 0;
    for (size_t i = 0; i < AS_PII_KEY_BYTES; i++) {
        int hi = hex_value((unsigned char)s[2 * i]), lo = hex_value((unsigned char)s[2 * i + 1]);
        if (hi < 0 || lo < 0) return 0;
        key->k[i] = (unsigned char)(hi << 4 | lo);
    }
    return 1;
}

/* A new random key, written with O_EXCL so two ingests racing to create it cannot both win (the loser reads the
 * winner's key). Returns 1 on success, 0 when the file appeared meanwhile, −1 on error (errno set). */
static int create_key(const char *path, as_pii_key *key) {
    randombytes_buf(key->k, sizeof key->k);
    char text[2 * AS_PII_KEY_BYTES + 1];
    for (size_t i = 0; i < AS_PII_KEY_BYTES; i++) {
        text[2 * i] = k_hex[key->k[i] >> 4];
        text[2 * i + 1] = k_hex[key->k[i] & 15];
    }
    text[2 * AS_PII_KEY_BYTES] = '\n';
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) return errno == EEXIST ? 0 : -1;
    size_t done = 0;
    while (done < sizeof text) {
        ssize_t w = write(fd, text + done, sizeof text - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            int e = errno ? errno : EIO;
            close(fd);
            unlink(path);
            errno = e;
            return -1;
        }
        done += (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        int e = errno;
        unlink(path);
        errno = e;
        return -1;
    }
    sodium_memzero(text, sizeof text);
    return 1;
}

as_status as__pii_key_load(const char *path, int create, as_pii_key *key, int *created, int *world_readable,
                           as_error *err) {
    if (created) *created = 0;
    if (world_readable) *world_readable = 0;
    if (!sodium_ready())
        return as__err(err, AS_ERR_IO, "libsodium could not be initialised (no source of randomness?); the key "
                       "file %s cannot be made", path);
    for (int attempt = 0; attempt < 2; attempt++) {
        int fd = open(path, O_RDONLY);
        if (fd < 0 && errno == ENOENT && create) {
            int made = create_key(path, key);
            if (made < 0)
                return as__err(err, AS_ERR_IO, "%s: cannot create the pseudonymization key file: %s; check that "
                               "the folder exists and is writable, or name another file with --key-file",
                               path, strerror(errno));
            if (made > 0) {
                if (created) *created = 1;
                return AS_OK;
            }
            continue;   /* someone else created it just now: read theirs */
        }
        if (fd < 0)
            return as__err(err, AS_ERR_IO, "%s: cannot open the pseudonymization key file: %s%s", path,
                           strerror(errno), errno == ENOENT ? "; give the key file of the earlier ingests, or "
                           "leave the option out to create a new key" : "");
        struct stat sb;
        if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            close(fd);
            return as__err(err, AS_ERR_IO, "%s is not a regular file; the pseudonymization key is a small text "
                           "file of 64 hex digits", path);
        }
        char text[256];
        ssize_t n = read(fd, text, sizeof text);
        int read_errno = errno;
        close(fd);
        if (n < 0)
            return as__err(err, AS_ERR_IO, "%s: cannot read the pseudonymization key file: %s", path,
                           strerror(read_errno));
        int ok = parse_key(text, (size_t)n, key);
        sodium_memzero(text, sizeof text);
        if (!ok)
            return as__err(err, AS_ERR_PARSE, "%s is not a pseudonymization key (expected 64 hex digits and a "
                           "newline); restore the right file, or move it away so that a new key is created (the "
                           "new pseudonyms will not match the old ones)", path);
        if (world_readable) *world_readable = (sb.st_mode & (S_IRGRP | S_IROTH)) != 0;
        return AS_OK;
    }
    return as__err(err, AS_ERR_IO, "%s: the key file appeared and vanished while it was being created; try again",
                   path);
}

size_t as__pii_pseudonym(const as_pii_key *key, const char *domain, const char *value, size_t n, char *out) {
    if (n == 0) {
        out[0] = '\0';
        return 0;
    }
    /* The domain and a NUL separate the spaces: "customer_id" 42 and "phone" 42 give unrelated pseudonyms, and
     * no domain/value split can collide with another because domains hold no NUL. */
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&st, key->k, sizeof key->k);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)domain, strlen(domain) + 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)value, n);
    crypto_auth_hmacsha256_final(&st, mac);
    out[0] = 'p';
    out[1] = 'x';
    for (int i = 0; i < 10; i++) {
        out[2 + 2 * i] = k_hex[mac[i] >> 4];
        out[3 + 2 * i] = k_hex[mac[i] & 15];
    }
    out[AS_PII_PSEUDONYM_LEN] = '\0';
    sodium_memzero(&st, sizeof st);
    return AS_PII_PSEUDONYM_LEN;
}

int as__pii_is_pseudonym(const char *w, size_t n) {
    if (n != AS_PII_PSEUDONYM_LEN || w[0] != 'p' || w[1] != 'x') return 0;
    for (size_t i = 2; i < n; i++)
        if (!((w[i] >= '0' && w[i] <= '9') || (w[i] >= 'a' && w[i] <= 'f'))) return 0;
    return 1;
}

/* ---- scrubber ------------------------------------------------------------------------------------------ */

static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static int is_alnum(int c) { return is_digit(c) || is_alpha(c); }

/* Characters of an e-mail local part (RFC 5322 atext plus the dot); quoted local parts are not looked for. */
static int is_local_char(int c) { return is_alnum(c) || (c && strchr(".!#$%&'*+/=?^_`{|}~-", c) != NULL); }
static int is_label_char(int c) { return is_alnum(c) || c == '-'; }

/* The end of a domain starting at p: two or more dot-separated labels of letters, digits and inner hyphens whose
 * last label (the top-level domain) is two or more letters; 0 when there is none. */
static size_t domain_end(const char *t, size_t n, size_t p) {
    size_t best = 0;
    int labels = 0;
    while (p < n && is_label_char((unsigned char)t[p])) {
        size_t ls = p;
        int alpha = 1;
        while (p < n && is_label_char((unsigned char)t[p])) {
            if (!is_alpha((unsigned char)t[p])) alpha = 0;
            p++;
        }
        if (t[ls] == '-' || t[p - 1] == '-') break;   /* a label cannot start or end with a hyphen */
        labels++;
        if (labels >= 2 && alpha && p - ls >= 2) best = p;
        if (p + 1 < n && t[p] == '.' && is_label_char((unsigned char)t[p + 1])) p++;
        else break;
    }
    return best;
}

/* The end of an e-mail address whose local part starts at s, or 0 when there is none there. The local part is
 * the whole run of local characters from s, then come '@' and a domain. No length or dot rules: a malformed
 * address is personal all the same, and cutting a run short could leave part of an address behind. A chain
 * "a@b.com@c.org" is taken whole, so that replacing it cannot leave an address ("px…@c.org"). */
static size_t email_end(const char *t, size_t n, size_t s) {
    size_t at = s;
    while (at < n && is_local_char((unsigned char)t[at])) at++;
    if (at == s || at >= n || t[at] != '@') return 0;
    size_t best = domain_end(t, n, at + 1), more;
    while (best && best < n && t[best] == '@' && (more = domain_end(t, n, best + 1)) != 0) best = more;
    return best;
}

/* Characters that glue a digit run to a longer token (an id, an amount, a reference) when they come right before
 * it: "A123…", "#12345678", "$12345678", "x-12345678". */
static int glues_before(int c) { return is_alnum(c) || (c && strchr(".-/_#@+=&%$", c) != NULL) || c >= 0x80; }

#define PHONE_MAX_GROUPS 8

/* The end of a phone number starting at s, or 0 when there is none. See pii.h and docs/presets.md for the
 * accepted forms; what is not a phone: dates (3 groups split by one of - / . with a 4-digit year first or
 * last), times and decimals (the run continues with ':' ',' or '.' and a digit), IP-like runs (4 dot-separated
 * groups of at most 3 digits), and single runs of digits without a '+' unless they look like a national number
 * with its trunk 0 (10 to 12 digits starting with 0): long ids are single runs too. */
static size_t phone_end(const char *t, size_t n, size_t s) {
    if (s > 0 && glues_before((unsigned char)t[s - 1])) return 0;
    size_t p = s;
    int plus = 0, paren = 0, digits = 0, groups = 0;
    int glen[PHONE_MAX_GROUPS];
    char sep[PHONE_MAX_GROUPS];   /* separator before group i (0: none) */
    if (t[p] == '+') { plus = 1; p++; }
    char pending = 0;
    for (;;) {
        if (p < n && t[p] == '(' && (groups == 0 || (groups == 1 && plus)) && !paren) {
            /* an area code in parentheses: (11), (0)20, (555) */
            size_t q = p + 1, d = 0;
            while (q < n && is_digit((unsigned char)t[q]) && d < 5) { q++; d++; }
            if (d == 0 || q >= n || t[q] != ')') break;
            if (groups == PHONE_MAX_GROUPS) return 0;
            glen[groups] = (int)d;
            sep[groups] = pending;
            groups++;
            digits += (int)d;
            paren = 1;
            p = q + 1;
            pending = 0;
            if (p < n && t[p] == ' ' && p + 1 < n && is_digit((unsigned char)t[p + 1])) { pending = ' '; p++; }
            continue;
        }
        if (p >= n || !is_digit((unsigned char)t[p])) break;
        size_t q = p;
        while (q < n && is_digit((unsigned char)t[q])) q++;
        if (digits + (int)(q - p) > 15 || groups == PHONE_MAX_GROUPS) {
            /* Too long for one number: a single run is an id (not a phone); a run of groups ends before this
             * group, so a phone followed by more digits ("+44 20 7946 0958 44 20") is still found — skipping the
             * whole run would leave it in the text, and starting again inside it would find a different part on
             * a second pass. */
            if (groups == 0 || !pending) return 0;
            p--;            /* back onto the separator, which ends the number */
            pending = 0;
            break;
        }
        glen[groups] = (int)(q - p);
        sep[groups] = pending;
        groups++;
        digits += (int)(q - p);
        p = q;
        pending = 0;
        /* One separator, then a digit (or an opening parenthesis after the country code). */
        if (p + 1 < n && strchr(" .-/", t[p]) && t[p] != '\0' &&
            (is_digit((unsigned char)t[p + 1]) || (t[p + 1] == '(' && groups == 1 && plus))) {
            pending = t[p];
            p++;
        } else {
            break;
        }
    }
    if (groups == 0 || pending) return 0;
    /* What follows must end the token: not a letter or digit, not '@' (that was an e-mail), and not a colon
     * (a time, "12:30"; so "0151 234 5678: evenings" is left alone too). A decimal comma after the digits ("1 234 567,89") is not looked at on purpose: whether
     * ",89" reads as decimals depends on what follows it, which a replacement further on changes, so a second
     * scrub would judge the same digits differently (the colon rule looks at the colon alone for that reason); an amount of 8+ digits in groups scrubbed as a phone costs
     * nothing, a phone left in the text would. */
    if (p < n) {
        int c = (unsigned char)t[p];
        if (is_alnum(c) || c == '@' || c == '_' || c >= 0x80) return 0;
        if (c == ':') return 0;   /* a time ("12:30"), whatever follows the colon (see above) */
    }
    if (digits < 8 || digits > 15) return 0;
    if (groups == 1 && !plus) {
        if (!(t[s] == '0' && digits >= 10 && digits <= 12)) return 0;
    }
    if (groups == 3 && !plus && !paren && sep[1] == sep[2] && (sep[1] == '-' || sep[1] == '/' || sep[1] == '.') &&
        ((glen[0] == 4 && glen[1] <= 2 && glen[2] <= 2) || (glen[2] == 4 && glen[0] <= 2 && glen[1] <= 2)))
        return 0;   /* a date: 2011-12-09, 09/12/2011, 9.12.2011 */
    if (groups == 4 && !plus && !paren && sep[1] == '.' && sep[2] == '.' && sep[3] == '.' && glen[0] <= 3 &&
        glen[1] <= 3 && glen[2] <= 3 && glen[3] <= 3)
        return 0;   /* an IPv4 address */
    if (sep[groups - 1] == '.' && glen[groups - 1] <= 2) return 0;   /* an amount: 12345678.90 */
    return p;
}

static long scrub_once(const as_pii_key *key, const char *text, size_t n, as_buf *out) {
    if (out) as__buf_clear(out);
    long found = 0;
    size_t copied = 0, i = 0;
    char norm[256], pseudo[AS_PII_PSEUDONYM_LEN + 1];
    while (i < n) {
        int c = (unsigned char)text[i];
        size_t end = 0;
        const char *domain = NULL;
        /* E-mails first, from the start of a run of local-part characters ("john.1234567890@x.com" is one
         * e-mail, not a phone number), or right after a replacement ("a@b.com+c@d.org" is two). */
        if (is_local_char(c) && (i == copied || !is_local_char((unsigned char)text[i - 1])) &&
            (end = email_end(text, n, i)) != 0) {
            domain = "email";
        } else if ((is_digit(c) || c == '+' || c == '(') && (end = phone_end(text, n, i)) != 0) {
            domain = "phone";
        }
        if (!domain) {
            i++;
            continue;
        }
        found++;
        if (key && out) {
            /* The pseudonym of a normalised value, so that "Ana@Shop.com" and "ana@shop.com", or "+44 20 7946
             * 0958" and "+44-20-7946-0958", stay one person. */
            size_t m = 0;
            for (size_t k = i; k < end && m < sizeof norm; k++) {
                int ch = (unsigned char)text[k];
                if (domain[0] == 'e') norm[m++] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
                else if (is_digit(ch) || ch == '+') norm[m++] = (char)ch;
            }
            as__pii_pseudonym(key, domain, norm, m, pseudo);
            if (as__buf_append(out, text + copied, i - copied) || as__buf_append(out, pseudo, AS_PII_PSEUDONYM_LEN))
                return -1;
        }
        copied = i = end;
    }
    if (out) {
        if (key && found) {
            if (as__buf_append(out, text + copied, n - copied)) return -1;
        } else if (as__buf_append(out, text, n)) {
            return -1;
        }
    }
    sodium_memzero(norm, sizeof norm);
    return found;
}

/* Scrubs until nothing is left to find. One pass is not always enough: whether digits are a phone number
 * depends on their neighbours, and a replacement changes the neighbours — "+44 20 7946 0115678ta@b.cz" holds an
 * e-mail glued to the digits; once the e-mail is a pseudonym, "+44 20 7946" stands alone and is a phone. The
 * loop ends because every pass replaces raw text by pseudonyms, which are never found again (found by the fuzz
 * target within two passes; four are allowed). Counting without a key makes one pass. */
long as__pii_scrub(const as_pii_key *key, const char *text, size_t n, as_buf *out) {
    long found = scrub_once(key, text, n, out);
    if (found <= 0 || !key || !out) return found;
    as_buf next;
    as__buf_init(&next, 0);
    for (int pass = 1; pass < 4; pass++) {
        long more = scrub_once(key, out->data, out->len, &next);
        if (more < 0) { found = -1; break; }
        if (more == 0) break;
        found += more;
        as_buf t = *out;   /* the new text becomes the output; the old buffer is reused for the next pass */
        *out = next;
        next = t;
    }
    as__buf_free(&next);
    return found;
}

/* ---- column names ---------------------------------------------------------------------------------------- */

int as__pii_name_looks_personal(const char *column) {
    /* Lower-case letters and digits only, so "E-Mail", "e_mail" and "email" compare alike. */
    char s[128];
    size_t m = 0;
    for (const char *p = column; *p && m + 1 < sizeof s; p++) {
        int c = (unsigned char)*p;
        if (c >= 'A' && c <= 'Z') s[m++] = (char)(c + 32);
        else if (is_alnum(c)) s[m++] = (char)c;
    }
    s[m] = '\0';
    if (m == 0) return 0;
    /* Whole names: too short or too common inside other words to match as parts. */
    static const char *const whole[] = {"name", "zip", "zipcode", "mobile", "cell", "tel", "dob", "ip", "fax",
                                        "mail", "contact", "customername", "recipient", "ssn", "cpf", "iban",
                                        NULL};
    for (int k = 0; whole[k]; k++)
        if (strcmp(s, whole[k]) == 0) return 1;
    /* Parts that mark a personal column wherever they stand: customer_email, billing_street, phone_number, … */
    static const char *const part[] = {"email", "phone", "telephone", "mobileno", "mobilenumber", "cellphone",
                                       "street", "address", "postcode", "postalcode", "zipcode", "birth",
                                       "surname", "firstname", "lastname", "fullname", "givenname", "familyname",
                                       "middlename", "maidenname", "nickname", "username", "customername",
                                       "contactname", "buyername", "recipientname", "shiptoname", "billtoname",
                                       "passport", "nationalid", "taxid", "socialsecurity", "creditcard",
                                       "cardnumber", "ipaddress", NULL};
    for (int k = 0; part[k]; k++)
        if (strstr(s, part[k])) return 1;
    return 0;
}
