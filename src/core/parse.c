/* Strict number and timestamp parsers over a field that is not NUL-terminated. "Strict" means the whole
 * field must be the number: no surrounding blanks, no trailing junk, no hexadecimal, no inf/nan words. */
#include <errno.h>
#include <float.h>
#include <math.h>
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
    if (end != tmp + n) return 0;
    /* Underflow (ERANGE with a subnormal or zero result: "4.9e-324", "1e-400") is the nearest double, as
     * pandas reads it; overflow (±HUGE_VAL: "1e400") stays text, since no model can use an infinite value. */
    if (errno == ERANGE && !(fabs(v) <= DBL_MIN)) return 0;
    *out = v;
    return 1;
}

/* ---- fast decimal to double ----
 *
 * A number is read once into w · 10^q, w holding at most 19 significant digits (leading zeros skipped, trailing
 * zeros kept aside in a count, so "1.50000000000000000000" is still w = 15). Then, in order:
 *   - Clinger's fast path: w ≤ 2^53 and |q| ≤ 22 make w and 10^|q| exact doubles, and one IEEE multiplication
 *     or division rounds their exact product or quotient correctly;
 *   - Eisel–Lemire (Lemire, "Number parsing at a gigabyte per second", 2021, as fast_float computes it): w times
 *     a 128-bit truncation of 5^q gives the 54 leading bits of the result and the information to round it to
 *     nearest-even; Mushtak and Lemire ("Fast number parsing without fallback", 2023) proved the 128 bits always
 *     suffice for w < 2^64. The table below covers |q| ≤ 64, which holds every number an export writes with a
 *     reasonable exponent, so subnormals and overflow never reach this path;
 *   - strtod (as__parse_double) for everything else: more than 19 significant digits, larger exponents.
 * The results are therefore those of strtod, bit for bit (the rounding mode must be the default one, as it is
 * everywhere in this library). */

#define POW5_MIN (-64)
#define POW5_MAX 64

/* 5^q normalized to [2^127, 2^128) and truncated (rounded up for q < 0), high word first; generated with exact
 * integer arithmetic by fast_float's script/table_generation.py rules. */
static const uint64_t pow5_128[2 * (POW5_MAX - POW5_MIN + 1)] = {
    0xa87fea27a539e9a5u, 0x3f2398d747b36224u, /* 5^-64 */
    0xd29fe4b18e88640eu, 0x8eec7f0d19a03aadu, /* 5^-63 */
    0x83a3eeeef9153e89u, 0x1953cf68300424acu, /* 5^-62 */
    0xa48ceaaab75a8e2bu, 0x5fa8c3423c052dd7u, /* 5^-61 */
    0xcdb02555653131b6u, 0x3792f412cb06794du, /* 5^-60 */
    0x808e17555f3ebf11u, 0xe2bbd88bbee40bd0u, /* 5^-59 */
    0xa0b19d2ab70e6ed6u, 0x5b6aceaeae9d0ec4u, /* 5^-58 */
    0xc8de047564d20a8bu, 0xf245825a5a445275u, /* 5^-57 */
    0xfb158592be068d2eu, 0xeed6e2f0f0d56712u, /* 5^-56 */
    0x9ced737bb6c4183du, 0x55464dd69685606bu, /* 5^-55 */
    0xc428d05aa4751e4cu, 0xaa97e14c3c26b886u, /* 5^-54 */
    0xf53304714d9265dfu, 0xd53dd99f4b3066a8u, /* 5^-53 */
    0x993fe2c6d07b7fabu, 0xe546a8038efe4029u, /* 5^-52 */
    0xbf8fdb78849a5f96u, 0xde98520472bdd033u, /* 5^-51 */
    0xef73d256a5c0f77cu, 0x963e66858f6d4440u, /* 5^-50 */
    0x95a8637627989aadu, 0xdde7001379a44aa8u, /* 5^-49 */
    0xbb127c53b17ec159u, 0x5560c018580d5d52u, /* 5^-48 */
    0xe9d71b689dde71afu, 0xaab8f01e6e10b4a6u, /* 5^-47 */
    0x9226712162ab070du, 0xcab3961304ca70e8u, /* 5^-46 */
    0xb6b00d69bb55c8d1u, 0x3d607b97c5fd0d22u, /* 5^-45 */
    0xe45c10c42a2b3b05u, 0x8cb89a7db77c506au, /* 5^-44 */
    0x8eb98a7a9a5b04e3u, 0x77f3608e92adb242u, /* 5^-43 */
    0xb267ed1940f1c61cu, 0x55f038b237591ed3u, /* 5^-42 */
    0xdf01e85f912e37a3u, 0x6b6c46dec52f6688u, /* 5^-41 */
    0x8b61313bbabce2c6u, 0x2323ac4b3b3da015u, /* 5^-40 */
    0xae397d8aa96c1b77u, 0xabec975e0a0d081au, /* 5^-39 */
    0xd9c7dced53c72255u, 0x96e7bd358c904a21u, /* 5^-38 */
    0x881cea14545c7575u, 0x7e50d64177da2e54u, /* 5^-37 */
    0xaa242499697392d2u, 0xdde50bd1d5d0b9e9u, /* 5^-36 */
    0xd4ad2dbfc3d07787u, 0x955e4ec64b44e864u, /* 5^-35 */
    0x84ec3c97da624ab4u, 0xbd5af13bef0b113eu, /* 5^-34 */
    0xa6274bbdd0fadd61u, 0xecb1ad8aeacdd58eu, /* 5^-33 */
    0xcfb11ead453994bau, 0x67de18eda5814af2u, /* 5^-32 */
    0x81ceb32c4b43fcf4u, 0x80eacf948770ced7u, /* 5^-31 */
    0xa2425ff75e14fc31u, 0xa1258379a94d028du, /* 5^-30 */
    0xcad2f7f5359a3b3eu, 0x096ee45813a04330u, /* 5^-29 */
    0xfd87b5f28300ca0du, 0x8bca9d6e188853fcu, /* 5^-28 */
    0x9e74d1b791e07e48u, 0x775ea264cf55347eu, /* 5^-27 */
    0xc612062576589ddau, 0x95364afe032a819eu, /* 5^-26 */
    0xf79687aed3eec551u, 0x3a83ddbd83f52205u, /* 5^-25 */
    0x9abe14cd44753b52u, 0xc4926a9672793543u, /* 5^-24 */
    0xc16d9a0095928a27u, 0x75b7053c0f178294u, /* 5^-23 */
    0xf1c90080baf72cb1u, 0x5324c68b12dd6339u, /* 5^-22 */
    0x971da05074da7beeu, 0xd3f6fc16ebca5e04u, /* 5^-21 */
    0xbce5086492111aeau, 0x88f4bb1ca6bcf585u, /* 5^-20 */
    0xec1e4a7db69561a5u, 0x2b31e9e3d06c32e6u, /* 5^-19 */
    0x9392ee8e921d5d07u, 0x3aff322e62439fd0u, /* 5^-18 */
    0xb877aa3236a4b449u, 0x09befeb9fad487c3u, /* 5^-17 */
    0xe69594bec44de15bu, 0x4c2ebe687989a9b4u, /* 5^-16 */
    0x901d7cf73ab0acd9u, 0x0f9d37014bf60a11u, /* 5^-15 */
    0xb424dc35095cd80fu, 0x538484c19ef38c95u, /* 5^-14 */
    0xe12e13424bb40e13u, 0x2865a5f206b06fbau, /* 5^-13 */
    0x8cbccc096f5088cbu, 0xf93f87b7442e45d4u, /* 5^-12 */
    0xafebff0bcb24aafeu, 0xf78f69a51539d749u, /* 5^-11 */
    0xdbe6fecebdedd5beu, 0xb573440e5a884d1cu, /* 5^-10 */
    0x89705f4136b4a597u, 0x31680a88f8953031u, /* 5^-9 */
    0xabcc77118461cefcu, 0xfdc20d2b36ba7c3eu, /* 5^-8 */
    0xd6bf94d5e57a42bcu, 0x3d32907604691b4du, /* 5^-7 */
    0x8637bd05af6c69b5u, 0xa63f9a49c2c1b110u, /* 5^-6 */
    0xa7c5ac471b478423u, 0x0fcf80dc33721d54u, /* 5^-5 */
    0xd1b71758e219652bu, 0xd3c36113404ea4a9u, /* 5^-4 */
    0x83126e978d4fdf3bu, 0x645a1cac083126eau, /* 5^-3 */
    0xa3d70a3d70a3d70au, 0x3d70a3d70a3d70a4u, /* 5^-2 */
    0xccccccccccccccccu, 0xcccccccccccccccdu, /* 5^-1 */
    0x8000000000000000u, 0x0000000000000000u, /* 5^0 */
    0xa000000000000000u, 0x0000000000000000u, /* 5^1 */
    0xc800000000000000u, 0x0000000000000000u, /* 5^2 */
    0xfa00000000000000u, 0x0000000000000000u, /* 5^3 */
    0x9c40000000000000u, 0x0000000000000000u, /* 5^4 */
    0xc350000000000000u, 0x0000000000000000u, /* 5^5 */
    0xf424000000000000u, 0x0000000000000000u, /* 5^6 */
    0x9896800000000000u, 0x0000000000000000u, /* 5^7 */
    0xbebc200000000000u, 0x0000000000000000u, /* 5^8 */
    0xee6b280000000000u, 0x0000000000000000u, /* 5^9 */
    0x9502f90000000000u, 0x0000000000000000u, /* 5^10 */
    0xba43b74000000000u, 0x0000000000000000u, /* 5^11 */
    0xe8d4a51000000000u, 0x0000000000000000u, /* 5^12 */
    0x9184e72a00000000u, 0x0000000000000000u, /* 5^13 */
    0xb5e620f480000000u, 0x0000000000000000u, /* 5^14 */
    0xe35fa931a0000000u, 0x0000000000000000u, /* 5^15 */
    0x8e1bc9bf04000000u, 0x0000000000000000u, /* 5^16 */
    0xb1a2bc2ec5000000u, 0x0000000000000000u, /* 5^17 */
    0xde0b6b3a76400000u, 0x0000000000000000u, /* 5^18 */
    0x8ac7230489e80000u, 0x0000000000000000u, /* 5^19 */
    0xad78ebc5ac620000u, 0x0000000000000000u, /* 5^20 */
    0xd8d726b7177a8000u, 0x0000000000000000u, /* 5^21 */
    0x878678326eac9000u, 0x0000000000000000u, /* 5^22 */
    0xa968163f0a57b400u, 0x0000000000000000u, /* 5^23 */
    0xd3c21bcecceda100u, 0x0000000000000000u, /* 5^24 */
    0x84595161401484a0u, 0x0000000000000000u, /* 5^25 */
    0xa56fa5b99019a5c8u, 0x0000000000000000u, /* 5^26 */
    0xcecb8f27f4200f3au, 0x0000000000000000u, /* 5^27 */
    0x813f3978f8940984u, 0x4000000000000000u, /* 5^28 */
    0xa18f07d736b90be5u, 0x5000000000000000u, /* 5^29 */
    0xc9f2c9cd04674edeu, 0xa400000000000000u, /* 5^30 */
    0xfc6f7c4045812296u, 0x4d00000000000000u, /* 5^31 */
    0x9dc5ada82b70b59du, 0xf020000000000000u, /* 5^32 */
    0xc5371912364ce305u, 0x6c28000000000000u, /* 5^33 */
    0xf684df56c3e01bc6u, 0xc732000000000000u, /* 5^34 */
    0x9a130b963a6c115cu, 0x3c7f400000000000u, /* 5^35 */
    0xc097ce7bc90715b3u, 0x4b9f100000000000u, /* 5^36 */
    0xf0bdc21abb48db20u, 0x1e86d40000000000u, /* 5^37 */
    0x96769950b50d88f4u, 0x1314448000000000u, /* 5^38 */
    0xbc143fa4e250eb31u, 0x17d955a000000000u, /* 5^39 */
    0xeb194f8e1ae525fdu, 0x5dcfab0800000000u, /* 5^40 */
    0x92efd1b8d0cf37beu, 0x5aa1cae500000000u, /* 5^41 */
    0xb7abc627050305adu, 0xf14a3d9e40000000u, /* 5^42 */
    0xe596b7b0c643c719u, 0x6d9ccd05d0000000u, /* 5^43 */
    0x8f7e32ce7bea5c6fu, 0xe4820023a2000000u, /* 5^44 */
    0xb35dbf821ae4f38bu, 0xdda2802c8a800000u, /* 5^45 */
    0xe0352f62a19e306eu, 0xd50b2037ad200000u, /* 5^46 */
    0x8c213d9da502de45u, 0x4526f422cc340000u, /* 5^47 */
    0xaf298d050e4395d6u, 0x9670b12b7f410000u, /* 5^48 */
    0xdaf3f04651d47b4cu, 0x3c0cdd765f114000u, /* 5^49 */
    0x88d8762bf324cd0fu, 0xa5880a69fb6ac800u, /* 5^50 */
    0xab0e93b6efee0053u, 0x8eea0d047a457a00u, /* 5^51 */
    0xd5d238a4abe98068u, 0x72a4904598d6d880u, /* 5^52 */
    0x85a36366eb71f041u, 0x47a6da2b7f864750u, /* 5^53 */
    0xa70c3c40a64e6c51u, 0x999090b65f67d924u, /* 5^54 */
    0xd0cf4b50cfe20765u, 0xfff4b4e3f741cf6du, /* 5^55 */
    0x82818f1281ed449fu, 0xbff8f10e7a8921a4u, /* 5^56 */
    0xa321f2d7226895c7u, 0xaff72d52192b6a0du, /* 5^57 */
    0xcbea6f8ceb02bb39u, 0x9bf4f8a69f764490u, /* 5^58 */
    0xfee50b7025c36a08u, 0x02f236d04753d5b4u, /* 5^59 */
    0x9f4f2726179a2245u, 0x01d762422c946590u, /* 5^60 */
    0xc722f0ef9d80aad6u, 0x424d3ad2b7b97ef5u, /* 5^61 */
    0xf8ebad2b84e0d58bu, 0xd2e0898765a7deb2u, /* 5^62 */
    0x9b934c3b330c8577u, 0x63cc55f49f88eb2fu, /* 5^63 */
    0xc2781f49ffcfa6d5u, 0x3cbf6b71c76b25fbu, /* 5^64 */
};

static const double exact_pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* hi:lo = a · b */
static inline void mul_64x64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo) {
#if defined(__SIZEOF_INT128__)
    __extension__ unsigned __int128 r = (unsigned __int128)a * b;
    *hi = (uint64_t)(r >> 64);
    *lo = (uint64_t)r;
#else
    uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;
    *lo = (mid << 32) | (uint32_t)p00;
    *hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
#endif
}

/* w · 10^q for w ≠ 0 and POW5_MIN ≤ q ≤ POW5_MAX, rounded to nearest-even (fast_float's compute_float for
 * binary64, without its subnormal and infinity branches, which this range never needs). */
static double eisel_lemire(uint64_t w, int q, int neg) {
    int lz = __builtin_clzll(w);
    w <<= lz;
    const uint64_t *t = pow5_128 + 2 * (q - POW5_MIN);
    uint64_t hi, lo;
    mul_64x64(w, t[0], &hi, &lo);
    if ((hi & 0x1FF) == 0x1FF) {                 /* the low bits may carry into the 55 that matter */
        uint64_t hi2, lo2;
        mul_64x64(w, t[1], &hi2, &lo2);
        lo += hi2;
        if (hi2 > lo) hi++;
    }
    int upper = (int)(hi >> 63);
    int shift = upper + 9;
    uint64_t m = hi >> shift;
    /* floor(log2(5^q)) + q + 63, as fast_float's detail::power (arithmetic shift of a negative product) */
    int32_t power2 = (int32_t)((((152170 + 65536) * (int32_t)q) >> 16) + 63) + upper - lz + 1023;
    /* exactly halfway between two doubles (only possible when 5^q fits a word): round to even */
    if (lo <= 1 && q >= -4 && q <= 23 && (m & 3) == 1 && (m << shift) == hi) m &= ~(uint64_t)1;
    m += m & 1;
    m >>= 1;
    if (m >= ((uint64_t)2 << 52)) {
        m = (uint64_t)1 << 52;
        power2++;
    }
    m &= ~((uint64_t)1 << 52);
    uint64_t bits = m | ((uint64_t)power2 << 52) | ((uint64_t)neg << 63);
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

typedef struct dec_num {
    const char *end;         /* end of the number's text (the start when there is none) */
    uint64_t w;              /* significant digits, at most 19 */
    int64_t q;               /* value = w · 10^q (when !many) */
    int neg, many, exp_big, int_ok;
} dec_num;

static inline int is_digit(char c) { return (unsigned)(c - '0') <= 9; }

static const uint64_t pow10_u64[9] = {1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
                                      100000000ULL};

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define DEC_SWAR 1
/* Up to eight ASCII digits at once (after fast_float's parse_eight_digits_unrolled): the bytes that are not
 * digits get their high bit set, so the count of leading digits is a trailing-zero count. */
static inline uint64_t load8(const char *p) {
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline uint64_t eight_value(uint64_t v) {
    v -= 0x3030303030303030ULL;
    v = (v * 10) + (v >> 8);
    v = (((v & 0x000000FF000000FFULL) * 0x000F424000000064ULL) +
         (((v >> 16) & 0x000000FF000000FFULL) * 0x0000271000000001ULL)) >> 32;
    return v;
}
/* The number of digits k (0 … 8) at the start of the 8 bytes v, and their value. */
static inline int lead_digits(uint64_t v, uint64_t *val) {
    uint64_t nd = ((v + 0x4646464646464646ULL) | (v - 0x3030303030303030ULL)) & 0x8080808080808080ULL;
    int k = nd ? __builtin_ctzll(nd) >> 3 : 8;
    if (k == 0) return 0;
    /* the k digits moved to the top, '0's below them: an 8-digit number with the same value */
    uint64_t x = k == 8 ? v : (v << (8 * (8 - k))) | (0x3030303030303030ULL >> (8 * k));
    *val = eight_value(x);
    return k;
}
#endif

/* Appends the digits at *pp to w (while it has room for them; after the 19th significant digit only "is any
 * of them not 0" and, in the integer part, their count matter). */
static inline void dec_digits(const char **pp, const char *lim, uint64_t *wp, int *nsigp, int64_t *qp, int *manyp,
                              int frac) {
    const char *p = *pp;
    uint64_t w = *wp;
    int nsig = *nsigp;
    int64_t q = *qp;
#ifdef DEC_SWAR
    while (nsig <= 11 && p + 8 <= lim) {
        uint64_t v;
        int k = lead_digits(load8(p), &v);
        if (k == 0) break;
        w = w * pow10_u64[k] + v;
        nsig += k;
        if (frac) q -= k;
        p += k;
        if (k < 8) goto out;
    }
#endif
    for (; p < lim && is_digit(*p); p++) {
        if (nsig < 19) {
            w = w * 10 + (uint64_t)(*p - '0');
            nsig++;
            if (frac) q--;
        } else {
            *manyp |= *p != '0';
            if (!frac) q++;
        }
    }
#ifdef DEC_SWAR
out:
#endif
    *pp = p;
    *wp = w;
    *nsigp = nsig;
    *qp = q;
}

/* Reads the longest prefix of [s, lim) in strtod's decimal shape (see as__scan_number). Digits after the 19th
 * significant one only matter when they are not 0: then `many` sends the number to strtod. */
static inline void dec_scan(const char *s, const char *lim, dec_num *d) {
    const char *p = s;
    uint64_t w = 0;
    int64_t q = 0;
    int nsig = 0, many = 0;
    d->neg = 0;
    d->exp_big = 0;
    d->int_ok = 0;
    d->end = s;
    if (p < lim && (*p == '+' || *p == '-')) {
        d->neg = *p == '-';
        p++;
    }
    const char *ds = p;
    while (p < lim && *p == '0') p++;            /* leading zeros: not significant */
    dec_digits(&p, lim, &w, &nsig, &q, &many, 0);
    size_t nint = (size_t)(p - ds), nfrac = 0;
    int int_only = nint > 0;
    if (p < lim && *p == '.') {
        const char *f = ++p;
        int_only = 0;
        if (w == 0)
            while (p < lim && *p == '0') { p++; q--; }   /* 0.000…: zeros before the first significant digit */
        dec_digits(&p, lim, &w, &nsig, &q, &many, 1);
        nfrac = (size_t)(p - f);
    }
    if (nint + nfrac == 0) return;               /* no digit: no number */
    if (p < lim && (*p == 'e' || *p == 'E')) {
        const char *e = p + 1;
        int eneg = 0;
        if (e < lim && (*e == '+' || *e == '-')) {
            eneg = *e == '-';
            e++;
        }
        if (e < lim && is_digit(*e)) {           /* else the number ends before the 'e' */
            int64_t ev = 0;
            for (; e < lim && is_digit(*e); e++)
                if (ev < 1000000) ev = ev * 10 + (*e - '0');
            if (ev >= 1000000) d->exp_big = 1;
            q += eneg ? -ev : ev;
            p = e;
            int_only = 0;
        }
    }
    d->end = p;
    d->w = w;
    d->q = q;
    d->many = many;
    /* as__parse_int64: only digits, and the value fits (q > 0 means more than 19 digits after leading zeros) */
    d->int_ok = int_only && q == 0 && w <= (uint64_t)INT64_MAX + (uint64_t)d->neg;
}

/* The double of a scanned number, as strtod computes it: 1, or 0 when as__parse_double rejects it (overflow). */
static inline int dec_value(const dec_num *d, const char *s, double *out) {
    size_t n = (size_t)(d->end - s);
    if (n >= 128) return 0;                      /* as__parse_double's limit */
    if (!d->many && !d->exp_big) {
        if (d->w == 0) {
            *out = d->neg ? -0.0 : 0.0;
            return 1;
        }
        if (d->w <= ((uint64_t)1 << 53) && d->q >= -22 && d->q <= 22) {
            double v = (double)d->w;
            v = d->q < 0 ? v / exact_pow10[-d->q] : v * exact_pow10[d->q];
            *out = d->neg ? -v : v;
            return 1;
        }
        if (d->q >= POW5_MIN && d->q <= POW5_MAX) {
            *out = eisel_lemire(d->w, (int)d->q, d->neg);
            return 1;
        }
    }
    return as__parse_double(s, n, out);
}

const char *as__scan_number(const char *s, const char *lim, double *out, int *kind) {
    dec_num d;
    dec_scan(s, lim, &d);
    *kind = AS_NUM_NONE;
    if (d.end == s) return s;
    if (d.int_ok) {
        /* as__parse_int64's value, then the int64 → double conversion */
        *out = (double)(d.neg ? (int64_t)(0 - d.w) : (int64_t)d.w);
        *kind = AS_NUM_INT;
    } else if (dec_value(&d, s, out)) {
        *kind = AS_NUM_DOUBLE;
    }
    return d.end;
}

int as__parse_number(const char *s, size_t n, double *out) {
    int kind;
    if (n == 0) return AS_NUM_NONE;
    double v;
    if (as__scan_number(s, s + n, &v, &kind) != s + n || kind == AS_NUM_NONE) return AS_NUM_NONE;
    *out = v;
    return kind;
}

int as__parse_double_fast(const char *s, size_t n, double *out) {
    dec_num d;
    if (n == 0 || n >= 128) return 0;
    dec_scan(s, s + n, &d);
    if (d.end != s + n) return 0;
    return dec_value(&d, s, out);
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

size_t as__fmt_u64(uint64_t v, char *buf) {
    char tmp[24];
    size_t n = 0;
    do { tmp[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    for (size_t i = 0; i < n; i++) buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
    return n;
}

size_t as__fmt_i64(int64_t v, char *buf) {
    if (v >= 0) return as__fmt_u64((uint64_t)v, buf);
    buf[0] = '-';
    return 1 + as__fmt_u64((uint64_t)0 - (uint64_t)v, buf + 1);
}

/* y = |x|·10^d carries one rounding error, at most half an ulp of y: under 4.8e-7 for y < 2^32. So when y's
 * fraction (exact: y − floor(y)) is more than 1e-6 away from one half, rounding y to the nearest integer rounds
 * the exact decimal value of x the way printf does. Closer to a tie, larger, or not finite: printf decides. */
size_t as__fmt_fixed(double x, int decimals, char *buf) {
    static const double pow10[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
    if (decimals < 0 || decimals > 9) return (size_t)snprintf(buf, AS_FMT_FIXED_SIZE, "%.*f", decimals, x);
    double y = fabs(x) * pow10[decimals];
    double whole = floor(y), frac = y - whole;
    if (!(y < 4294967296.0) || fabs(frac - 0.5) < 1e-6)
        return (size_t)snprintf(buf, AS_FMT_FIXED_SIZE, "%.*f", decimals, x);
    uint64_t r = (uint64_t)whole + (frac > 0.5);
    uint64_t scale = (uint64_t)pow10[decimals];
    size_t n = 0;
    if (signbit(x)) buf[n++] = '-';
    n += as__fmt_u64(r / scale, buf + n);
    if (decimals) {
        buf[n++] = '.';
        uint64_t f = r % scale;
        for (int i = decimals - 1; i >= 0; i--) { buf[n + (size_t)i] = (char)('0' + f % 10); f /= 10; }
        n += (size_t)decimals;
    }
    buf[n] = '\0';
    return n;
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
    if (size >= 20 && y >= 0 && y <= 9999) {   /* the common case without printf: scores write millions */
        int v[6] = {y, m, d, (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60)};
        char *p = buf;
        *p++ = (char)('0' + y / 1000); *p++ = (char)('0' + y / 100 % 10);
        *p++ = (char)('0' + y / 10 % 10); *p++ = (char)('0' + y % 10);
        for (int k = 1; k < (date_only ? 3 : 6); k++) {
            *p++ = k == 3 ? ' ' : k < 3 ? '-' : ':';
            *p++ = (char)('0' + v[k] / 10);
            *p++ = (char)('0' + v[k] % 10);
        }
        *p = '\0';
        return;
    }
    if (date_only)
        snprintf(buf, size, "%04d-%02d-%02d", y, m, d);
    else
        snprintf(buf, size, "%04d-%02d-%02d %02d:%02d:%02d", y, m, d, (int)(sec / 3600), (int)(sec / 60 % 60),
                 (int)(sec % 60));
}
