/* Strict number and timestamp parsers over a field that is not NUL-terminated. "Strict" means the whole
 * field must be the number: no surrounding blanks, no trailing junk, no hexadecimal, no inf/nan words. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

int as__parse_int64(const char *s, size_t n, int64_t *out) {
    size_t i = 0;
    int neg = 0;
    if (n == 0) return 0;
    if (s[0] == '-' || s[0] == '+') { neg = s[0] == '-'; i = 1; }
    if (i == n) return 0;
    uint64_t v = 0;
    for (; i < n; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (d > 9) return 0;
        if (v > (UINT64_MAX - d) / 10) return 0;
        v = v * 10 + d;
    }
    if (!neg && v > (uint64_t)INT64_MAX) return 0;
    if (neg && v > (uint64_t)INT64_MAX + 1) return 0;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 1;
}

int as__parse_double(const char *s, size_t n, double *out) {
    char tmp[128];
    int digits = 0;
    if (n == 0 || n >= sizeof tmp) return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') digits = 1;
        else if (!(c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E')) return 0;
    }
    if (!digits) return 0;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    char *end;
    errno = 0;
    double v = strtod(tmp, &end);
    if (end != tmp + n || errno == ERANGE) return 0;
    *out = v;
    return 1;
}

const char *as__fmt_count(int64_t v, char *buf, size_t size) {
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%lld", (long long)(v < 0 ? -v : v));
    size_t o = 0;
    if (v < 0 && o + 1 < size) buf[o++] = '-';
    for (int i = 0; i < n && o + 1 < size; i++) {
        if (i && (n - i) % 3 == 0 && o + 1 < size) buf[o++] = ',';
        if (o + 1 < size) buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}

uint64_t as__hash64(const void *p, size_t n) {
    const unsigned char *b = p;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) { h ^= b[i]; h *= 1099511628211ULL; }
    return h;
}

/* ---- civil dates (H. Hinnant's algorithms) ---- */
int64_t as__days_from_civil(int y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (unsigned)(m + (m > 2 ? -3 : 9)) + 2) / 5 + (unsigned)d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void as__civil_from_days(int64_t z, int *y, int *m, int *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

static int days_in_month(int y, int m) {
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return dm[m - 1];
}

/* Reads 1..maxd digits at s[*i]; returns -1 when there are none. */
static int digits(const char *s, size_t n, size_t *i, int mind, int maxd) {
    int v = 0, k = 0;
    while (*i < n && k < maxd && s[*i] >= '0' && s[*i] <= '9') { v = v * 10 + (s[*i] - '0'); (*i)++; k++; }
    return k >= mind ? v : -1;
}

int as__time_parse_n(const char *s, size_t n, int64_t *out) {
    size_t i = 0;
    int y, mo, d, hh = 0, mi = 0, ss = 0;
    if (n < 8) return 0;
    if (n >= 10 && s[4] == '-') {                      /* ISO: YYYY-MM-DD */
        if ((y = digits(s, n, &i, 4, 4)) < 0 || s[i++] != '-') return 0;
        if ((mo = digits(s, n, &i, 2, 2)) < 0 || i >= n || s[i++] != '-') return 0;
        if ((d = digits(s, n, &i, 2, 2)) < 0) return 0;
    } else {                                            /* US: M/D/YYYY as in the original UCI file */
        if ((mo = digits(s, n, &i, 1, 2)) < 0 || i >= n || s[i++] != '/') return 0;
        if ((d = digits(s, n, &i, 1, 2)) < 0 || i >= n || s[i++] != '/') return 0;
        if ((y = digits(s, n, &i, 4, 4)) < 0) return 0;
    }
    if (i < n) {
        if (s[i] != ' ' && s[i] != 'T') return 0;
        i++;
        if ((hh = digits(s, n, &i, 1, 2)) < 0 || i >= n || s[i++] != ':') return 0;
        if ((mi = digits(s, n, &i, 2, 2)) < 0) return 0;
        if (i < n && s[i] == ':') {
            i++;
            if ((ss = digits(s, n, &i, 2, 2)) < 0) return 0;
            if (i < n && s[i] == '.') { i++; while (i < n && s[i] >= '0' && s[i] <= '9') i++; }
        }
        if (i < n && s[i] == 'Z') i++;
        if (i != n) return 0;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || hh > 23 || mi > 59 || ss > 60) return 0;
    *out = as__days_from_civil(y, mo, d) * AS_DAY + hh * 3600 + mi * 60 + ss;
    return 1;
}

as_status as_time_parse(const char *text, int64_t *out, as_error *err) {
    if (!text || !as__time_parse_n(text, strlen(text), out))
        return as__err(err, AS_ERR_INVALID,
                       "'%s' is not a date; write YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS] or M/D/YYYY H:MM",
                       text ? text : "(null)");
    return AS_OK;
}

void as_time_format(int64_t t, int date_only, char *buf, size_t size) {
    int64_t days = t >= 0 ? t / AS_DAY : -((-t + AS_DAY - 1) / AS_DAY);
    int64_t sec = t - days * AS_DAY;
    int y, m, d;
    as__civil_from_days(days, &y, &m, &d);
    if (date_only)
        snprintf(buf, size, "%04d-%02d-%02d", y, m, d);
    else
        snprintf(buf, size, "%04d-%02d-%02d %02d:%02d:%02d", y, m, d, (int)(sec / 3600), (int)(sec / 60 % 60),
                 (int)(sec % 60));
}
