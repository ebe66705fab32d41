/*
 * words — the words of free text (rules at as__words_next in core.h). One definition for every user, so that a
 * reason's words are the same to the hashed features, the reason model and the lexicon.
 */
#include "core/core.h"

/* Base letter of U+00C0 … U+00FF, lower case; 0 = a word break (× and ÷). Æ æ and ß get their second letter in
 * as__words_next. */
static const char k_fold[64] = "aaaaaaaceeeeiiiidnooooo\0ouuuuyts" "aaaaaaaceeeeiiiidnooooo\0ouuuuyty";

/* What a character does to the word it stands in. */
enum { KEEP, FOLD, DROP, BREAK };

static int role_of(uint32_t cp) {
    if (cp >= 0xC0 && cp <= 0xFF) return k_fold[cp - 0xC0] ? FOLD : BREAK;
    if (cp == 0x2018 || cp == 0x2019 || (cp >= 0xFE00 && cp <= 0xFE0F)) return DROP;
    if (cp < 0xC0 || (cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) ||
        (cp >= 0x1F000 && cp <= 0x1FAFF))
        return BREAK;
    return KEEP;
}

/* The length of the well-formed UTF-8 character of two or more bytes at s[0..left), with its code point in
 * *cp; 0 when the bytes there are not one (Unicode's table 3-7: no overlong forms, no surrogates, nothing past
 * U+10FFFF). */
static size_t utf8_char(const unsigned char *s, size_t left, uint32_t *cp) {
    size_t len;
    uint32_t v, min;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) len = 2, v = s[0] & 0x1Fu, min = 0x80;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF) len = 3, v = s[0] & 0x0Fu, min = 0x800;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4) len = 4, v = s[0] & 0x07u, min = 0x10000;
    else return 0;
    if (left < len) return 0;
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xC0) != 0x80) return 0;
        v = v << 6 | (s[k] & 0x3Fu);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return len;
}

static void put(as_words *it, char c) {
    if (it->len < AS_WORD_MAX) it->word[it->len++] = c;
}

void as__words_init(as_words *it, const char *s, size_t n) {
    it->s = (const unsigned char *)s;
    it->n = s ? n : 0;
    it->i = 0;
    it->len = 0;
}

int as__words_next(as_words *it) {
    it->len = 0;
    while (it->i < it->n) {
        const unsigned char *p = it->s + it->i;
        unsigned c = p[0];
        int role;
        uint32_t cp = 0;
        size_t step = 1;
        if (c < 0x80) {
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) role = KEEP;
            else if (c >= 'A' && c <= 'Z') role = KEEP, c += 'a' - 'A';
            else role = c == '\'' || c == '`' ? DROP : BREAK;
            if (role == KEEP) put(it, (char)c);
        } else if ((step = utf8_char(p, it->n - it->i, &cp)) == 0) {
            step = 1;
            role = BREAK;
        } else if ((role = role_of(cp)) == FOLD) {
            put(it, k_fold[cp - 0xC0]);
            if (cp == 0xC6 || cp == 0xE6) put(it, 'e');   /* Æ æ → ae */
            if (cp == 0xDF) put(it, 's');                 /* ß → ss */
        } else if (role == KEEP) {
            for (size_t k = 0; k < step; k++) put(it, (char)p[k]);
        }
        it->i += step;
        if (role == BREAK && it->len) return 1;
    }
    return it->len > 0;
}
