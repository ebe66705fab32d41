/* core/words: the one definition of a word of free text (rules at as__words_next in core.h), every rule with a
 * literal expectation; the pseudonym check (privacy/pii.h); and that the three users — hashed text features,
 * the lexicon — see the same words. */
#include "core/core.h"
#include "features/features_internal.h"
#include "privacy/pii.h"
#include "quality/reasons.h"
#include "test.h"

/* The words of s[0..n) joined by '|' ("" when there are none). */
static const char *words_n(const char *s, size_t n) {
    static char out[1024];
    size_t m = 0;
    as_words it;
    as__words_init(&it, s, n);
    while (as__words_next(&it)) {
        if (it.len == 0 || it.len > AS_WORD_MAX || m + it.len + 2 > sizeof out) return "(bad word length)";
        if (m) out[m++] = '|';
        memcpy(out + m, it.word, it.len);
        m += it.len;
    }
    out[m] = '\0';
    return out;
}
static const char *words(const char *s) { return words_n(s, strlen(s)); }

static void test_ascii(void) {
    CHECK_STR(words("Hello, World! 42x ok"), "hello|world|42x|ok");
    CHECK_STR(words("TOO_small-size/fit"), "too|small|size|fit");
    CHECK_STR(words("a\tb\nc\rd"), "a|b|c|d");
    CHECK_STR(words_n("abcdef", 3), "abc");                      /* only s[0..n) is read */
    CHECK_STR(words_n("a\0b", 3), "a|b");                        /* NUL is a break, not the end */
}

static void test_latin1(void) {
    CHECK_STR(words("ÉCHARPE écharpe Não PEÇA peça"), "echarpe|echarpe|nao|peca|peca");
    CHECK_STR(words("ÀÁÂÃÄÅ àáâãäå ÇçÈéÊëÌíÎïÑñÒóÔõÖøÙúÛüÝý"), "aaaaaa|aaaaaa|cceeeeiiiinnoooooouuuuyy");
    CHECK_STR(words("Straße STRASSE"), "strasse|strasse");      /* ß → ss */
    CHECK_STR(words("Æble æsir"), "aeble|aesir");               /* Æ æ → ae */
    CHECK_STR(words("Þór ÐðÿØ"), "tor|ddyo");
    CHECK_STR(words("2×3÷4"), "2|3|4");                          /* × and ÷ break */
}

static void test_apostrophes(void) {
    CHECK_STR(words("doesn't don`t it’s ‘quoted’"), "doesnt|dont|its|quoted");
    CHECK_STR(words("rock'n'roll"), "rocknroll");
    CHECK_STR(words("' ` ’ ''"), "");                            /* apostrophes alone make no word */
    CHECK_STR(words("a ’b"), "a|b");                             /* dropped, not a break, and not a joiner */
}

static void test_breaks(void) {
    /* emoji between and after words */
    CHECK_STR(words("great👍product 😍"), "great|product");
    CHECK_STR(words("ok🌟🌟🌟fine"), "ok|fine");
    /* a variation selector is dropped: inside a word it joins nothing and breaks nothing */
    CHECK_STR(words("a\xEF\xB8\x8F" "b"), "ab");
    CHECK_STR(words("good❤️day"), "good|day");                   /* U+2764 (dingbat) breaks, U+FE0F dropped */
    /* U+0080–U+00BF */
    CHECK_STR(words("1º lugar"), "1|lugar");
    CHECK_STR(words("a\xC2\xA0" "b £5 «sim» 30°C"), "a|b|5|sim|30|c");
    /* U+2000–U+2BFF: punctuation, currency, arrows, maths */
    CHECK_STR(words("a—b €10 x…y p→q “z”"), "a|b|10|x|y|p|q|z");
    /* U+3000–U+303F: CJK punctuation and the ideographic space */
    CHECK_STR(words("東京。大阪\xE3\x80\x80" "京都"), "東京|大阪|京都");
}

static void test_other_scripts(void) {
    CHECK_STR(words("Привет, мир!"), "Привет|мир");             /* kept byte for byte, not lower-cased */
    CHECK_STR(words("商品が壊れていた"), "商品が壊れていた");
    CHECK_STR(words("مرحبا bem-vindo"), "مرحبا|bem|vindo");
    CHECK_STR(words("Ελλάδα"), "Ελλάδα");
    CHECK_STR(words("tamañoЖ"), "tamanoЖ");                      /* scripts mix inside one word */
}

static void test_malformed(void) {
    CHECK_STR(words("ab\x80" "cd"), "ab|cd");                    /* lone continuation byte */
    CHECK_STR(words("ab\xC3"), "ab");                            /* truncated at the end */
    CHECK_STR(words("ab\xE2\x80"), "ab");
    CHECK_STR(words("ab\xF0\x9F\x98"), "ab");
    CHECK_STR(words("a\xC3z"), "a|z");                           /* lead byte without its continuation */
    CHECK_STR(words("a\xC0\xAF" "b"), "a|b");                    /* overlong '/' */
    CHECK_STR(words("a\xED\xA0\x80" "b"), "a|b");                /* a surrogate */
    CHECK_STR(words("a\xF4\x90\x80\x80" "b"), "a|b");            /* past U+10FFFF */
    CHECK_STR(words("\xC3\xFF\xE2\x80 broken"), "broken");
}

static void test_cut(void) {
    char s[200], want[200];
    memset(s, 'A', 70);
    memcpy(s + 70, " b", 3);
    memset(want, 'a', 64);
    memcpy(want + 64, "|b", 3);
    CHECK_STR(words(s), want);                                   /* first 64 bytes; the rest is no new word */
    /* a cut may fall inside a character: 63 bytes + the first byte of Ж (D0 96) */
    memset(s, 'a', 63);
    memcpy(s + 63, "Жx y", 6);
    memset(want, 'a', 63);
    memcpy(want + 63, "\xD0|y", 4);
    CHECK_STR(words(s), want);
    /* exactly 64 bytes */
    memset(s, 'z', 64);
    s[64] = '\0';
    CHECK_STR(words(s), s);
}

static void test_empty(void) {
    CHECK_STR(words(""), "");
    CHECK_STR(words("   \t\n ,.;:!?-"), "");
    CHECK_STR(words("👍👍 … —"), "");
    CHECK_STR(words_n(NULL, 0), "");
    CHECK_STR(words_n(NULL, 5), "");                             /* no text, whatever the length says */
    as_words it;
    as__words_init(&it, "x", 1);
    CHECK(as__words_next(&it) == 1 && it.len == 1 && it.word[0] == 'x');
    CHECK(as__words_next(&it) == 0 && it.len == 0);
    CHECK(as__words_next(&it) == 0);                             /* stays at the end */
}

static void test_pseudonym(void) {
    CHECK(as__pii_is_pseudonym("px0123456789abcdef0123", 22) == 1);
    CHECK(as__pii_is_pseudonym("px0123456789abcdef012", 21) == 0);
    CHECK(as__pii_is_pseudonym("px0123456789abcdef01234", 23) == 0);
    CHECK(as__pii_is_pseudonym("px0123456789ABCDEF0123", 22) == 0);   /* pseudonyms are lower case */
    CHECK(as__pii_is_pseudonym("py0123456789abcdef0123", 22) == 0);
    CHECK(as__pii_is_pseudonym("px0123456789abcdeg0123", 22) == 0);
}

/* The users see the same words: buckets of equal word lists are equal, pseudonyms are skipped, and the lexicon
 * reads "doesn’t fit👎" as "doesnt fit". */
static void test_users(void) {
    uint16_t a[8], b[8];
    int na = as__text_buckets("Doesn’t fit👎 Straße", strlen("Doesn’t fit👎 Straße"), 1000, a, 8);
    int nb = as__text_buckets("doesnt fit strasse", 18, 1000, b, 8);
    CHECK(na == 3 && nb == 3 && memcmp(a, b, sizeof *a * 3) == 0);
    CHECK(na == 3 && a[0] == as__hash64("doesnt", 6) % 1000 && a[2] == as__hash64("strasse", 7) % 1000);
    const char *with_px = "call px0123456789abcdef0123 now";
    CHECK(as__text_buckets(with_px, strlen(with_px), 1000, a, 8) == 2 && a[1] == as__hash64("now", 3) % 1000);
    CHECK(as__text_buckets("a b c d", 7, 1000, a, 2) == 2);    /* at most max */
    CHECK(as__text_buckets("a b", 3, 0, a, 8) == 0);
    CHECK(as__reason_classify("It doesn’t fit👎", strlen("It doesn’t fit👎"), NULL) == AS_REASON_SIZE);
    CHECK(as__reason_classify("👍quebrado👍", strlen("👍quebrado👍"), NULL) == AS_REASON_DEFECT);
    CHECK(as__reason_classify("сломан 🙁", strlen("сломан 🙁"), NULL) == AS_REASON_OTHER);
}

int main(void) {
    RUN(test_ascii);
    RUN(test_latin1);
    RUN(test_apostrophes);
    RUN(test_breaks);
    RUN(test_other_scripts);
    RUN(test_malformed);
    RUN(test_cut);
    RUN(test_empty);
    RUN(test_pseudonym);
    RUN(test_users);
    return test_report("test_words");
}
