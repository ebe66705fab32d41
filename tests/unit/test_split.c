/* Unit tests of src/ml/split.c: the RandomState stream, train_test_split with and without stratify, KFold and
 * StratifiedKFold, row for row against scikit-learn.
 *
 * Every expected array was printed once by Debian's numpy 1.24.2 / scikit-learn 1.2.1 (/usr/bin/python3); the
 * snippet is in the comment above it, with
 *     import numpy as np; from sklearn.model_selection import train_test_split, KFold, StratifiedKFold
 *     def folds(cv, n, y=None):   # fold index of each row
 *         f = np.full(n, -1)
 *         for k, (_, te) in enumerate(cv.split(np.zeros((n, 1)), y)): f[te] = k
 *         return f
 * (Beyond these fixed cases, 3,000 random label vectors / sizes / seeds were compared with scikit-learn while
 * writing this — indices, error texts and warnings all identical.) */
#include "ml/ml.h"
#include "test.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static int same(const size_t *got, size_t n_got, const size_t *want, size_t n_want) {
    if (n_got != n_want) return 0;
    for (size_t i = 0; i < n_got; i++)
        if (got[i] != want[i]) return 0;
    return 1;
}

static int same_int(const int *got, const int *want, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (got[i] != want[i]) return 0;
    return 1;
}

static void print_rows(const char *what, const size_t *a, size_t n) {
    fprintf(stderr, "   %s:", what);
    for (size_t i = 0; i < n; i++) fprintf(stderr, " %zu", a[i]);
    fputc('\n', stderr);
}

/* ------------------------------------------------------------------------------------------------------- */

static void test_shuffle(void) {
    /* np.random.RandomState(42).permutation(10) */
    size_t perm[10];
    static const size_t p42[] = {8, 1, 5, 0, 7, 2, 9, 4, 3, 6};
    as__permutation(10, 42, perm);
    CHECK(same(perm, 10, p42, 10));
    /* rs = np.random.RandomState(0); a = np.arange(5); rs.shuffle(a); b = np.arange(7); rs.shuffle(b)
     * → a = [2, 0, 1, 3, 4], b = [0, 2, 1, 4, 5, 6, 3]: the second shuffle continues the stream */
    as_mt19937 r;
    as__mt_seed(&r, 0);
    size_t a[5], b[7];
    for (size_t i = 0; i < 5; i++) a[i] = i;
    for (size_t i = 0; i < 7; i++) b[i] = i;
    as__mt_shuffle(&r, a, 5);
    as__mt_shuffle(&r, b, 7);
    static const size_t wa[] = {2, 0, 1, 3, 4}, wb[] = {0, 2, 1, 4, 5, 6, 3};
    CHECK(same(a, 5, wa, 5));
    CHECK(same(b, 7, wb, 7));
    /* shuffling 0 or 1 entries draws nothing: the stream continues as if it had not been called */
    as_mt19937 r1, r2;
    as__mt_seed(&r1, 9);
    as__mt_seed(&r2, 9);
    size_t one = 5;
    as__mt_shuffle(&r1, &one, 1);
    as__mt_shuffle(&r1, NULL, 0);
    CHECK(one == 5 && as__mt_next32(&r1) == as__mt_next32(&r2));
}

static void test_random_split_569(void) {
    /* tr, te = train_test_split(np.arange(569), test_size=0.2, random_state=42)
     * len 455 / 114; tr[:5], tr[-5:], te[:5], te[-5:]; (tr * np.arange(1, len(tr) + 1)).sum() = 29743485 and
     * the same for te = 1861892 (order-sensitive checksums) */
    size_t train[569], test[569], ntr, nte;
    as__random_split(569, 0.2, 42, train, &ntr, test, &nte);
    CHECK(ntr == 455 && nte == 114);
    static const size_t tr_head[] = {68, 181, 63, 248, 60}, tr_tail[] = {71, 106, 270, 435, 102};
    static const size_t te_head[] = {204, 70, 131, 431, 540}, te_tail[] = {486, 75, 249, 238, 265};
    CHECK(same(train, 5, tr_head, 5) && same(train + 450, 5, tr_tail, 5));
    CHECK(same(test, 5, te_head, 5) && same(test + 109, 5, te_tail, 5));
    unsigned long long s1 = 0, s2 = 0;
    for (size_t k = 0; k < ntr; k++) s1 += train[k] * (k + 1);
    for (size_t k = 0; k < nte; k++) s2 += test[k] * (k + 1);
    CHECK_MSG(s1 == 29743485ull && s2 == 1861892ull, "checksums %llu %llu", s1, s2);
}

/* ------------------------------------------------------------------------------------------------------- */

static void test_stratified_split(void) {
    as_error err;
    size_t train[600], test[600], ntr, nte;
    /* i = np.arange(569); y = ((i * 7) % 13 < 5).astype(int)
     * tr, te = train_test_split(i, test_size=0.2, random_state=42, stratify=y): 455 / 114 rows, tr[:6], tr[-6:],
     * te[:6], te[-6:], order-sensitive checksums 29348859 and 1844215, np.bincount(y[te]) = [70, 44] */
    int y569[569];
    for (int i = 0; i < 569; i++) y569[i] = (i * 7) % 13 < 5;
    CHECK_OK(as__stratified_split(y569, 569, 2, 0.2, 42, train, &ntr, test, &nte, &err), &err);
    CHECK(ntr == 455 && nte == 114);
    static const size_t tr_head[] = {237, 6, 239, 517, 318, 238}, tr_tail[] = {139, 530, 31, 339, 76, 157};
    static const size_t te_head[] = {81, 160, 337, 446, 439, 96}, te_tail[] = {147, 347, 349, 430, 134, 177};
    if (ntr == 455 && nte == 114) {
        CHECK(same(train, 6, tr_head, 6) && same(train + 449, 6, tr_tail, 6));
        CHECK(same(test, 6, te_head, 6) && same(test + 108, 6, te_tail, 6));
        unsigned long long s1 = 0, s2 = 0;
        int pos = 0;
        for (size_t k = 0; k < ntr; k++) s1 += train[k] * (k + 1);
        for (size_t k = 0; k < nte; k++) s2 += test[k] * (k + 1), pos += y569[test[k]];
        CHECK_MSG(s1 == 29348859ull && s2 == 1844215ull, "checksums %llu %llu", s1, s2);
        CHECK(pos == 44);
    }

    /* Small cases: train_test_split(np.arange(len(y)), test_size=f, random_state=seed, stratify=y). Class codes
     * here are the labels themselves (already 0..K−1). Cases c and d have ties among _approximate_mode's
     * remainders (c: counts [3, 3, 3], n_train 5 → 5/3 each, two of three classes get the extra row, chosen by
     * the stream; d: counts [2, 3, 3, 3]), b and e uneven three-class counts. */
    static const int ya[] = {0, 0, 0, 0, 0, 0, 0, 1, 1, 1};
    static const int yb[] = {1, 0, 2, 1, 1, 0, 2, 1, 0, 1, 1, 2, 0, 1, 1, 0};
    static const int yc[] = {0, 1, 2, 0, 1, 2, 0, 1, 2};
    static const int yd[] = {0, 1, 2, 3, 0, 1, 2, 3, 1, 2, 3};
    static const int ye[] = {2, 0, 1, 2, 2, 0, 1, 2, 2, 2, 0, 1, 2, 2};
    static const size_t tra[] = {3, 2, 1, 7, 9, 6, 0}, tea[] = {5, 4, 8};
    static const size_t trb[] = {5, 3, 7, 2, 15, 6, 0, 8, 13, 4, 1, 10}, teb[] = {11, 14, 12, 9};
    static const size_t trc[] = {2, 5, 4, 7, 0}, tec[] = {8, 6, 3, 1};
    static const size_t trd[] = {0, 3, 5, 6, 9}, ted[] = {7, 8, 2, 10, 4, 1};
    static const size_t tre[] = {2, 0, 8, 6, 13, 9, 7, 10, 1}, tee[] = {5, 4, 3, 12, 11};
    static const struct {
        const int *y;
        size_t n;
        int K;
        double f;
        uint32_t seed;
        const size_t *tr, *te;
        size_t ntr, nte;
    } cs[] = {
        {ya, N_OF(ya), 2, 0.3, 0, tra, tea, N_OF(tra), N_OF(tea)},
        {yb, N_OF(yb), 3, 0.25, 42, trb, teb, N_OF(trb), N_OF(teb)},
        {yc, N_OF(yc), 3, 0.4, 7, trc, tec, N_OF(trc), N_OF(tec)},
        {yd, N_OF(yd), 4, 0.5, 3, trd, ted, N_OF(trd), N_OF(ted)},
        {ye, N_OF(ye), 3, 0.3, 123, tre, tee, N_OF(tre), N_OF(tee)},
    };
    for (size_t c = 0; c < N_OF(cs); c++) {
        as_status st = as__stratified_split(cs[c].y, cs[c].n, cs[c].K, cs[c].f, cs[c].seed, train, &ntr, test, &nte,
                                            &err);
        CHECK_MSG(st == AS_OK, "case %zu: %s", c, err.msg);
        int ok = same(train, ntr, cs[c].tr, cs[c].ntr) && same(test, nte, cs[c].te, cs[c].nte);
        CHECK_MSG(ok, "case %zu", c);
        if (!ok) print_rows("train", train, ntr), print_rows("test", test, nte);
    }
    /* a class code that no row uses (K larger than the classes present) does not count as a class */
    CHECK_OK(as__stratified_split(ya, N_OF(ya), 5, 0.3, 0, train, &ntr, test, &nte, &err), &err);
    CHECK(same(train, ntr, tra, N_OF(tra)) && same(test, nte, tea, N_OF(tea)));

    /* i = np.arange(20000); y = (i * 7919 % 1009) % 7; y[(i % 11) == 0] = 3
     * tr, te = train_test_split(i, test_size=0.2, random_state=2023, stratify=y): 16000 / 4000, tr[:4], te[:4],
     * checksums as above 1288969143305 / 78877402066, np.bincount(y[te]) = [523, 519, 519, 883, 518, 519, 519] */
    {
        size_t n = 20000;
        int *y = malloc(n * sizeof *y);
        size_t *tr = malloc(n * sizeof *tr), *te = malloc(n * sizeof *te);
        CHECK(y && tr && te);
        if (y && tr && te) {
            for (size_t i = 0; i < n; i++) y[i] = i % 11 == 0 ? 3 : (int)((i * 7919 % 1009) % 7);
            CHECK_OK(as__stratified_split(y, n, 7, 0.2, 2023, tr, &ntr, te, &nte, &err), &err);
            CHECK(ntr == 16000 && nte == 4000);
            CHECK(tr[0] == 13389 && tr[1] == 4699 && tr[2] == 7099 && tr[3] == 8983);
            CHECK(te[0] == 6705 && te[1] == 17851 && te[2] == 3004 && te[3] == 15292);
            unsigned long long s1 = 0, s2 = 0;
            size_t cnt[7] = {0};
            for (size_t k = 0; k < ntr; k++) s1 += tr[k] * (k + 1);
            for (size_t k = 0; k < nte; k++) s2 += te[k] * (k + 1), cnt[y[te[k]]]++;
            CHECK_MSG(s1 == 1288969143305ull && s2 == 78877402066ull, "checksums %llu %llu", s1, s2);
            static const size_t want[7] = {523, 519, 519, 883, 518, 519, 519};
            CHECK(same(cnt, 7, want, 7));
        }
        free(y), free(tr), free(te);
    }
}

static void test_stratified_split_errors(void) {
    as_error err;
    size_t train[16], test[16], ntr, nte;
    /* train_test_split(np.arange(len(y)), test_size=f, random_state=0, stratify=y) → ValueError(...) */
    static const int y1[] = {0, 0, 1, 1, 1, 2};
    CHECK(as__stratified_split(y1, 6, 3, 0.5, 0, train, &ntr, test, &nte, &err) == AS_ERR_INVALID);
    CHECK_STR(err.msg, "The least populated class in y has only 1 member, which is too few. The minimum number of "
                       "groups for any class cannot be less than 2.");
    static const int y2[] = {0, 0, 0, 1, 1, 1, 2, 2, 2, 2};
    CHECK(as__stratified_split(y2, 10, 3, 0.1, 0, train, &ntr, test, &nte, &err) == AS_ERR_INVALID);
    CHECK_STR(err.msg, "The test_size = 1 should be greater or equal to the number of classes = 3");
    static const int y3[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1};
    CHECK(as__stratified_split(y3, 11, 2, 0.9, 0, train, &ntr, test, &nte, &err) == AS_ERR_INVALID);
    CHECK_STR(err.msg, "The train_size = 1 should be greater or equal to the number of classes = 2");
    static const int y4[] = {0, 1, 0, 1, 0, 1, 0, 1, 0, 1};
    CHECK(as__stratified_split(y4, 10, 2, 1e-20, 0, train, &ntr, test, &nte, &err) == AS_ERR_INVALID);
    CHECK_STR(err.msg, "The test_size = 1 should be greater or equal to the number of classes = 2");
    CHECK(as__stratified_split(y4, 10, 2, 1.0, 0, train, &ntr, test, &nte, &err) == AS_ERR_INVALID);
    CHECK_STR(err.msg, "test_size=1.0 should be either positive and smaller than the number of samples 10 or a float "
                       "in the (0, 1) range");
    CHECK(as__stratified_split(y4, 10, 2, 0.0, 0, train, &ntr, test, &nte, &err) == AS_ERR_INVALID);
    CHECK_STR(err.msg, "test_size=0.0 should be either positive and smaller than the number of samples 10 or a float "
                       "in the (0, 1) range");
    CHECK(as__stratified_split(y4, 10, 2, 100.0, 0, train, &ntr, test, &nte, &err) == AS_ERR_INVALID);
    CHECK_STR(err.msg, "test_size=100.0 should be either positive and smaller than the number of samples 10 or a "
                       "float in the (0, 1) range");
    CHECK(as__stratified_split(y4, 10, 2, NAN, 0, train, &ntr, test, &nte, &err) == AS_ERR_INVALID);
    CHECK(as__stratified_split(y4, 1, 1, 0.5, 0, train, &ntr, test, &nte, &err) == AS_ERR_INVALID);
    CHECK_STR(err.msg, "With n_samples=1, test_size=0.5 and train_size=None, the resulting train set will be empty. "
                       "Adjust any of the aforementioned parameters.");
    CHECK(as__stratified_split(y4, 0, 2, 0.2, 0, train, &ntr, test, &nte, &err) == AS_ERR_INVALID);
    /* codes out of range */
    static const int yb[] = {0, 1, 2, 0, 1, 2};
    CHECK(as__stratified_split(yb, 6, 2, 0.5, 0, train, &ntr, test, &nte, &err) == AS_ERR_INVALID);
    static const int yn[] = {0, -1, 0, 1};
    CHECK(as__stratified_split(yn, 4, 2, 0.5, 0, train, &ntr, test, &nte, &err) == AS_ERR_INVALID);
    CHECK(ntr == 0 && nte == 0);
    /* allocation failures: NOMEM, never a crash or leak */
    int nomem = 0, ok = 0, other = 0;
    for (long k = 1; k <= 8; k++) {
        as__alloc_fail_after(k);
        as_status st = as__stratified_split(y4, 10, 2, 0.3, 0, train, &ntr, test, &nte, &err);
        as__alloc_fail_after(0);
        if (st == AS_ERR_NOMEM) nomem++;
        else if (st == AS_OK) ok++;
        else other++;
    }
    CHECK_MSG(nomem >= 2 && ok >= 1 && other == 0, "nomem %d ok %d other %d", nomem, ok, other);
}

/* ------------------------------------------------------------------------------------------------------- */

static void test_kfold(void) {
    as_error err;
    int f[32];
    /* folds(KFold(3), 10) */
    static const int plain[] = {0, 0, 0, 0, 1, 1, 1, 2, 2, 2};
    CHECK_OK(as__kfold(10, 3, 0, 0, f, &err), &err);
    CHECK(same_int(f, plain, 10));
    /* folds(KFold(3, shuffle=True, random_state=0), 10) */
    static const int s0[] = {2, 1, 0, 2, 0, 2, 1, 1, 0, 0};
    CHECK_OK(as__kfold(10, 3, 1, 0, f, &err), &err);
    CHECK(same_int(f, s0, 10));
    /* folds(KFold(2, shuffle=True, random_state=42), 7) */
    static const int s42[] = {0, 0, 0, 1, 1, 0, 1};
    CHECK_OK(as__kfold(7, 2, 1, 42, f, &err), &err);
    CHECK(same_int(f, s42, 7));
    /* folds(KFold(5, shuffle=True, random_state=2024), 23) */
    static const int s2024[] = {4, 3, 2, 3, 4, 2, 1, 2, 4, 3, 3, 1, 0, 0, 1, 1, 0, 2, 1, 0, 2, 4, 0};
    CHECK_OK(as__kfold(23, 5, 1, 2024, f, &err), &err);
    CHECK(same_int(f, s2024, 23));
    /* KFold(1) and folds(KFold(4), 3) → ValueError */
    CHECK(as__kfold(10, 1, 0, 0, f, &err) == AS_ERR_INVALID);
    CHECK_STR(err.msg, "k-fold cross-validation requires at least one train/test split by setting n_splits=2 or "
                       "more, got n_splits=1.");
    CHECK(as__kfold(3, 4, 0, 0, f, &err) == AS_ERR_INVALID);
    CHECK_STR(err.msg, "Cannot have number of splits n_splits=4 greater than the number of samples: n_samples=3.");
    CHECK(as__kfold(0, 2, 1, 0, f, &err) == AS_ERR_INVALID);
}

static void test_stratified_kfold(void) {
    as_error err;
    int f[64];
    char warn[256];
    /* folds(StratifiedKFold(3), 10, [0]*7 + [1]*3): test folds {0,1,2,7}, {3,4,8}, {5,6,9} */
    static const int y73[] = {0, 0, 0, 0, 0, 0, 0, 1, 1, 1};
    static const int plain73[] = {0, 0, 0, 1, 1, 2, 2, 0, 1, 2};
    strcpy(warn, "stale");
    CHECK_OK(as__stratified_kfold(y73, 10, 3, 0, 0, f, warn, sizeof warn, &err), &err);
    CHECK(same_int(f, plain73, 10));
    CHECK_STR(warn, "");
    /* folds(StratifiedKFold(3, shuffle=True, random_state=0), 10, [0]*7 + [1]*3) */
    static const int shuf73[] = {2, 0, 0, 1, 0, 2, 1, 2, 0, 1};
    CHECK_OK(as__stratified_kfold(y73, 10, 3, 1, 0, f, warn, sizeof warn, &err), &err);
    CHECK(same_int(f, shuf73, 10));

    /* Three to four classes, first appearance ≠ sorted order, uneven counts:
     * folds(StratifiedKFold(k), len(y), y) and folds(StratifiedKFold(k, shuffle=True, random_state=s), len(y), y) */
    static const int ya[] = {2, 2, 0, 1, 0, 2, 1, 0, 2, 2, 1, 0};
    static const int pa[] = {0, 0, 0, 0, 1, 1, 1, 2, 1, 2, 2, 2};
    static const int sa[] = {1, 0, 0, 1, 2, 2, 2, 2, 0, 1, 0, 1};   /* k = 3, seed 1 */
    static const int yb[] = {1, 0, 1, 1, 2, 0, 1, 1, 2, 1, 0, 1, 1, 2, 1, 1, 0};
    static const int pb[] = {0, 0, 0, 0, 0, 1, 1, 1, 2, 1, 2, 2, 2, 3, 3, 3, 3};
    static const int sb[] = {3, 1, 0, 1, 0, 0, 0, 2, 2, 0, 3, 3, 1, 3, 1, 2, 2};   /* k = 4, seed 42 */
    static const int yc[] = {3, 1, 3, 0, 3, 1, 3, 3, 0, 1, 3, 3, 3, 0, 2, 2, 3, 2, 3, 3};
    static const int pc[] = {0, 1, 0, 0, 0, 2, 1, 1, 1, 3, 2, 2, 3, 4, 2, 3, 3, 4, 4, 4};
    static const int sc[] = {3, 2, 2, 1, 0, 1, 0, 0, 0, 3, 4, 3, 1, 4, 3, 2, 2, 4, 4, 1};   /* k = 5, seed 7 */
    static const struct {
        const int *y, *plain, *shuf;
        size_t n;
        int k;
        uint32_t seed;
        const char *warning;
    } cs[] = {
        {ya, pa, sa, N_OF(ya), 3, 1, ""},
        {yb, pb, sb, N_OF(yb), 4, 42,
         "The least populated class in y has only 3 members, which is less than n_splits=4."},
        {yc, pc, sc, N_OF(yc), 5, 7,
         "The least populated class in y has only 3 members, which is less than n_splits=5."},
    };
    for (size_t c = 0; c < N_OF(cs); c++) {
        CHECK_OK(as__stratified_kfold(cs[c].y, cs[c].n, cs[c].k, 0, 0, f, warn, sizeof warn, &err), &err);
        CHECK_MSG(same_int(f, cs[c].plain, cs[c].n), "case %zu plain", c);
        CHECK_STR(warn, cs[c].warning);
        CHECK_OK(as__stratified_kfold(cs[c].y, cs[c].n, cs[c].k, 1, cs[c].seed, f, warn, sizeof warn, &err), &err);
        CHECK_MSG(same_int(f, cs[c].shuf, cs[c].n), "case %zu shuffled", c);
        CHECK_STR(warn, cs[c].warning);
    }

    /* only the least populated class is smaller than k: scikit-learn warns and goes on —
     * folds(StratifiedKFold(3, shuffle=True, random_state=5), 9, [0]*7 + [1]*2) */
    static const int yw[] = {0, 0, 0, 0, 0, 0, 0, 1, 1};
    static const int sw[] = {2, 0, 1, 0, 0, 2, 1, 1, 2};
    CHECK_OK(as__stratified_kfold(yw, 9, 3, 1, 5, f, warn, sizeof warn, &err), &err);
    CHECK(same_int(f, sw, 9));
    CHECK_STR(warn, "The least populated class in y has only 2 members, which is less than n_splits=3.");
    CHECK_OK(as__stratified_kfold(yw, 9, 3, 1, 5, f, NULL, 0, &err), &err);   /* warning may be NULL */
    /* a small warning buffer is cut, never overrun */
    char tiny[8];
    CHECK_OK(as__stratified_kfold(yw, 9, 3, 1, 5, f, tiny, sizeof tiny, &err), &err);
    CHECK(strlen(tiny) == 7);

    /* every class smaller than k: folds(StratifiedKFold(3), 4, [0, 0, 1, 1]) → ValueError */
    static const int ye[] = {0, 0, 1, 1};
    CHECK(as__stratified_kfold(ye, 4, 3, 0, 0, f, warn, sizeof warn, &err) == AS_ERR_INVALID);
    CHECK_STR(err.msg, "n_splits=3 cannot be greater than the number of members in each class.");
    static const int yk[] = {0, 1, 0, 1, 2};
    CHECK(as__stratified_kfold(yk, 5, 6, 0, 0, f, warn, sizeof warn, &err) == AS_ERR_INVALID);
    CHECK_STR(err.msg, "Cannot have number of splits n_splits=6 greater than the number of samples: n_samples=5.");
    CHECK(as__stratified_kfold(yk, 5, 1, 0, 0, f, warn, sizeof warn, &err) == AS_ERR_INVALID);
    CHECK_STR(err.msg, "k-fold cross-validation requires at least one train/test split by setting n_splits=2 or "
                       "more, got n_splits=1.");
    static const int yneg[] = {0, -1, 0, 1};
    CHECK(as__stratified_kfold(yneg, 4, 2, 0, 0, f, warn, sizeof warn, &err) == AS_ERR_INVALID);

    /* i = np.arange(20000); y = (i * 7919 % 1009) % 7; y[(i % 11) == 0] = 3
     * f = folds(StratifiedKFold(5, shuffle=True, random_state=99), 20000, y): f[:10] and
     * (f * np.arange(1, 20001)).sum() = 400817258 */
    size_t n = 20000;
    int *y = malloc(n * sizeof *y), *fo = malloc(n * sizeof *fo);
    CHECK(y && fo);
    if (y && fo) {
        for (size_t i = 0; i < n; i++) y[i] = i % 11 == 0 ? 3 : (int)((i * 7919 % 1009) % 7);
        CHECK_OK(as__stratified_kfold(y, n, 5, 1, 99, fo, warn, sizeof warn, &err), &err);
        static const int head[] = {2, 2, 3, 0, 4, 1, 0, 3, 1, 2};
        CHECK(same_int(fo, head, 10));
        unsigned long long s = 0;
        for (size_t i = 0; i < n; i++) s += (unsigned long long)fo[i] * (i + 1);
        CHECK_MSG(s == 400817258ull, "checksum %llu", s);
    }
    free(y), free(fo);
}

int main(void) {
    RUN(test_shuffle);
    RUN(test_random_split_569);
    RUN(test_stratified_split);
    RUN(test_stratified_split_errors);
    RUN(test_kfold);
    RUN(test_stratified_kfold);
    return test_report("split");
}
