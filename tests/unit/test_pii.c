/* privacy/pii: keyed pseudonyms against published HMAC-SHA-256 vectors and an independent HMAC, the key file,
 * and the e-mail / phone scrubber (what it replaces and what it must leave alone). */
#include <sys/stat.h>

#include <sodium.h>

#include "privacy/pii.h"
#include "test.h"

static void hex(const unsigned char *b, size_t n, char *out) {
    for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", b[i]);
}

/* RFC 4231 test cases 1 and 2: libsodium's HMAC-SHA-256, which the pseudonyms rest on, gives the standard's
 * values. (Test case 1 has a 20-byte key, so it goes through the init/update/final form the module uses.) */
static void test_hmac_vectors(void) {
    unsigned char key1[20], mac[32];
    memset(key1, 0x0b, sizeof key1);
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key1, sizeof key1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"Hi There", 8);
    crypto_auth_hmacsha256_final(&st, mac);
    char h[65];
    hex(mac, 32, h);
    CHECK_STR(h, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)"Jefe", 4);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)"what do ya want for nothing?", 28);
    crypto_auth_hmacsha256_final(&st, mac);
    hex(mac, 32, h);
    CHECK_STR(h, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

/* The pseudonym is "px" + the first 80 bits of HMAC(key, domain ‖ 0 ‖ value), computed here by Python's hmac
 * module, independently of libsodium. */
static void test_pseudonym_independent(void) {
    as_pii_key key;
    for (int i = 0; i < AS_PII_KEY_BYTES; i++) key.k[i] = (unsigned char)(i * 7 + 3);
    char ps[AS_PII_PSEUDONYM_LEN + 1];
    CHECK(as__pii_pseudonym(&key, "customer_id", "ana@example.com", 15, ps) == AS_PII_PSEUDONYM_LEN);
    CHECK(strlen(ps) == AS_PII_PSEUDONYM_LEN && ps[0] == 'p' && ps[1] == 'x');
    FILE *p = popen("/usr/bin/python3 -c 'import hmac,hashlib; k=bytes((i*7+3)%256 for i in range(32)); "
                    "print(\"px\"+hmac.new(k,b\"customer_id\\0ana@example.com\",hashlib.sha256).hexdigest()[:20])'",
                    "r");
    char want[64] = "";
    if (p) {
        if (!fgets(want, sizeof want, p)) want[0] = '\0';
        pclose(p);
    }
    want[strcspn(want, "\n")] = '\0';
    if (want[0]) CHECK_STR(ps, want);
    else fprintf(stderr, "NOTE: /usr/bin/python3 is absent; the independent HMAC check is skipped\n");
    /* and libsodium's one-shot HMAC over the same message, as a second independent route */
    unsigned char msg[64], mac[32];
    memcpy(msg, "customer_id\0ana@example.com", 27);
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key.k, 32);
    crypto_auth_hmacsha256_update(&st, msg, 27);
    crypto_auth_hmacsha256_final(&st, mac);
    char h[65] = "px";
    hex(mac, 10, h + 2);
    CHECK_STR(ps, h);
}

static void test_pseudonym_properties(void) {
    as_pii_key k1, k2;
    memset(&k1, 1, sizeof k1);
    memset(&k2, 1, sizeof k2);
    k2.k[31] = 2;
    char a[32], b[32], c[32], d[32], e[32];
    as__pii_pseudonym(&k1, "customer_id", "17850", 5, a);
    as__pii_pseudonym(&k1, "customer_id", "17850", 5, b);
    CHECK_STR(a, b);                                   /* same key, domain, value: same pseudonym */
    as__pii_pseudonym(&k1, "email", "17850", 5, c);
    CHECK(strcmp(a, c) != 0);                          /* another domain */
    as__pii_pseudonym(&k2, "customer_id", "17850", 5, d);
    CHECK(strcmp(a, d) != 0);                          /* another key */
    as__pii_pseudonym(&k1, "customer_id", "17851", 5, e);
    CHECK(strcmp(a, e) != 0);                          /* another value */
    /* domain and value cannot trade bytes: "ab" + "c" is not "a" + "bc" */
    as__pii_pseudonym(&k1, "ab", "c", 1, c);
    as__pii_pseudonym(&k1, "a", "bc", 2, d);
    CHECK(strcmp(c, d) != 0);
    CHECK(as__pii_pseudonym(&k1, "customer_id", "", 0, e) == 0 && e[0] == '\0');   /* empty stays empty */
}

static void test_key_file(void) {
    char dir[128], path[256];
    test_tmpdir(dir, sizeof dir, "pii");
    snprintf(path, sizeof path, "%s/shop.db.key", dir);
    as_error err;
    as_pii_key k1, k2;
    int created = -1, readable = -1;
    /* absent and not to be created: a clear error naming the file */
    CHECK(as__pii_key_load(path, 0, &k1, &created, &readable, &err) == AS_ERR_IO);
    CHECK(strstr(err.msg, path) != NULL);
    CHECK_OK(as__pii_key_load(path, 1, &k1, &created, &readable, &err), &err);
    CHECK(created == 1 && readable == 0);
    struct stat sb;
    CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
    CHECK(sb.st_size == 65);                            /* 64 hex digits and a newline */
    CHECK_OK(as__pii_key_load(path, 1, &k2, &created, &readable, &err), &err);
    CHECK(created == 0 && memcmp(k1.k, k2.k, sizeof k1.k) == 0);   /* reloaded, not replaced */
    /* the file's text is the key */
    FILE *f = fopen(path, "r");
    char text[80] = "", want[65];
    if (f) { if (!fgets(text, sizeof text, f)) text[0] = '\0'; fclose(f); }
    hex(k1.k, 32, want);
    CHECK(strncmp(text, want, 64) == 0 && text[64] == '\n');
    /* readable by others: accepted, flagged */
    chmod(path, 0644);
    CHECK_OK(as__pii_key_load(path, 1, &k2, &created, &readable, &err), &err);
    CHECK(readable == 1 && memcmp(k1.k, k2.k, sizeof k1.k) == 0);
    /* blanks around the digits are fine; upper case too */
    char hexkey[200];
    snprintf(hexkey, sizeof hexkey, "  %s  \n\n", "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff");
    test_write(dir, "blank.key", hexkey);
    snprintf(path, sizeof path, "%s/blank.key", dir);
    CHECK_OK(as__pii_key_load(path, 0, &k2, &created, NULL, &err), &err);
    CHECK(k2.k[0] == 0x00 && k2.k[10] == 0xaa && k2.k[31] == 0xff);
    /* bad content: a parse error that says what a key looks like */
    static const char *const bad[] = {"not a key\n", "0011\n", "", "zz112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
                                      "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00\n"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        test_write(dir, "bad.key", bad[i]);
        snprintf(path, sizeof path, "%s/bad.key", dir);
        CHECK(as__pii_key_load(path, 1, &k2, &created, NULL, &err) == AS_ERR_PARSE);
        CHECK(strstr(err.msg, "64 hex digits") != NULL && strstr(err.msg, "bad.key") != NULL);
    }
    /* a folder that does not exist: cannot create, names the path */
    snprintf(path, sizeof path, "%s/no/such/folder.key", dir);
    CHECK(as__pii_key_load(path, 1, &k2, &created, NULL, &err) == AS_ERR_IO);
    CHECK(strstr(err.msg, "folder.key") != NULL);
    /* two fresh keys differ */
    snprintf(path, sizeof path, "%s/second.key", dir);
    CHECK_OK(as__pii_key_load(path, 1, &k2, &created, NULL, &err), &err);
    CHECK(created == 1 && memcmp(k1.k, k2.k, sizeof k1.k) != 0);
    test_rmtree(dir);
}

/* scrub(text) with key k: the result, and the count through *n. */
static const char *scrub(const as_pii_key *k, const char *text, long *n) {
    static as_buf b;
    *n = as__pii_scrub(k, text, strlen(text), &b);
    as__buf_cstr(&b);
    return b.data ? b.data : "";
}

static void test_scrub_replaces(void) {
    as_pii_key k;
    memset(&k, 9, sizeof k);
    char pe[32], pp[32], want[256];
    long n;
    /* e-mail: replaced by the pseudonym of its lower-cased form, a sentence's full stop stays */
    as__pii_pseudonym(&k, "email", "ana.lima+shop@mail.example.co.uk", 32, pe);
    snprintf(want, sizeof want, "write to %s.", pe);
    CHECK_STR(scrub(&k, "write to Ana.Lima+shop@Mail.Example.co.uk.", &n), want);
    CHECK(n == 1);
    static const struct { const char *text, *digits; } phones[] = {
        {"call me on +44 20 7946 0958 please", "+442079460958"},
        {"meu celular (11) 98765-4321, obrigado", "11987654321"},
        {"ring 0151 234 5678", "01512345678"},
        {"tel: +1-555-123-4567", "+15551234567"},
        {"US 555.123.4567 office", "5551234567"},
        {"fone 07946095800", "07946095800"},
        {"+5511987654321", "+5511987654321"},
        /* inside a CSV record: the next field is not the number's decimals */
        {"S4,broken or +44 20 7946 0111,2023-02-10 15:07:48,2,84.78", "+442079460111"},
        {"x,0151 234 5678,13.99", "01512345678"},
    };
    for (size_t i = 0; i < sizeof phones / sizeof *phones; i++) {
        const char *out = scrub(&k, phones[i].text, &n);
        as__pii_pseudonym(&k, "phone", phones[i].digits, strlen(phones[i].digits), pp);
        CHECK_MSG(n == 1 && strstr(out, pp) != NULL, "'%s' → '%s' (n=%ld)", phones[i].text, out, n);
        /* nothing of the number is left */
        CHECK_MSG(strstr(out, "4321") == NULL && strstr(out, "0958") == NULL && strstr(out, "5678") == NULL &&
                  strstr(out, "4567") == NULL && strstr(out, "95800") == NULL, "'%s'", out);
    }
    /* two of them, and the same e-mail twice gives the same pseudonym (joins survive) */
    const char *out = scrub(&k, "a@b.com and A@B.COM, also +44 20 7946 0958", &n);
    CHECK(n == 3);
    as__pii_pseudonym(&k, "email", "a@b.com", 7, pe);
    char *first = strstr(out, pe);
    CHECK(first && strstr(first + 1, pe));
    /* counting without a key: same count, nothing replaced */
    CHECK(as__pii_scrub(NULL, "a@b.com and +44 20 7946 0958", 28, NULL) == 2);
}

static void test_scrub_leaves_alone(void) {
    as_pii_key k;
    memset(&k, 9, sizeof k);
    static const char *const keep[] = {
        "2011-12-09", "2011-12-09 12:50:00", "on 09/12/2011 at 12:50", "12:50:00", "1234.56", "12345678.90",
        "1.234.567,89", "order A123456789", "product code 85123A", "invoice 536365 line 12", "order 123456789012",
        "#12345678", "ref ABC-12345678", "192.168.100.200", "user@localhost", "not an @ sign", "@handle",
        "a@b", "price 1,234,567.00", "SKU 4006381333931", "2011-12-09T08:26:00", "width 120 x 80 x 45 cm",
        "too small", "", "quebrou em 2 dias", "R$ 1.299,90", "x@y.z1", "12345678,90 EUR", "total 12345678.5", "ordered 2011-12-09, returned 2011-12-20",
    };
    for (size_t i = 0; i < sizeof keep / sizeof *keep; i++) {
        long n;
        const char *out = scrub(&k, keep[i], &n);
        CHECK_MSG(n == 0 && strcmp(out, keep[i]) == 0, "'%s' became '%s' (n=%ld)", keep[i], out, n);
    }
}

/* Cases the fuzz target found: a phone followed by more digit groups, a phone glued to an e-mail, long runs of
 * small groups. Nothing of the phone may survive, and a second scrub finds nothing more. */
static void test_scrub_fixed_point(void) {
    as_pii_key k;
    memset(&k, 5, sizeof k);
    static const struct { const char *text, *gone; } cases[] = {
        {"call +44 20 7946 0958 44 20 7946 please", "7946 0958"},
        {"+44 20 7946 0115678ta@b.cz", "+44 20 7946"},
        {"ln4 20 7 8 7 8 21 7 8 19 7 8 20 7 8 20 0 7 8 20", "7 8 19"},
        {"tel 0151 234 5678, again 0151 234 5678,50", "234 5678"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        long n, again;
        char first[512];
        snprintf(first, sizeof first, "%s", scrub(&k, cases[i].text, &n));
        CHECK_MSG(n >= 1 && strstr(first, cases[i].gone) == NULL, "'%s' became '%s'", cases[i].text, first);
        const char *second = scrub(&k, first, &again);
        CHECK_MSG(again == 0 && strcmp(second, first) == 0, "second scrub of '%s' found %ld more", first, again);
    }
}

static void test_column_names(void) {
    static const char *const personal[] = {"name", "Name", "first_name", "LastName", "surname", "full name",
                                           "email", "E-Mail", "customer_email", "phone", "Telephone", "phone_number",
                                           "mobile", "street", "billing_street", "address", "Address Line 1",
                                           "zip", "postcode", "postal_code", "date_of_birth", "birthdate",
                                           "customer_name"};
    static const char *const not_personal[] = {"customer_id", "order_id", "product_id", "country", "category",
                                               "product_category_name", "description", "quantity", "unit_price",
                                               "ordered_at", "seller_id", "review_score", "carrier", "status",
                                               "freight", "first_seen", "kind", "reason", "channel"};
    for (size_t i = 0; i < sizeof personal / sizeof *personal; i++)
        CHECK_MSG(as__pii_name_looks_personal(personal[i]), "%s", personal[i]);
    for (size_t i = 0; i < sizeof not_personal / sizeof *not_personal; i++)
        CHECK_MSG(!as__pii_name_looks_personal(not_personal[i]), "%s", not_personal[i]);
}

int main(void) {
    if (sodium_init() < 0) { fprintf(stderr, "sodium_init failed\n"); return 1; }
    RUN(test_hmac_vectors);
    RUN(test_pseudonym_independent);
    RUN(test_pseudonym_properties);
    RUN(test_key_file);
    RUN(test_scrub_replaces);
    RUN(test_scrub_leaves_alone);
    RUN(test_scrub_fixed_point);
    RUN(test_column_names);
    return test_report("test_pii");
}
