/*
 * split — reproducible row allocation, identical to scikit-learn's (DESIGN.md §4).
 *
 * numpy's legacy RandomState (MT19937 seeded by init_genrand, masked rejection sampling, Fisher–Yates from the
 * end) drives every shuffled allocation, so a seed here selects the same rows as random_state=seed there.
 * Class codes: cls[i] ∈ [0, K) is the rank of row i's label in sorted label order (what np.unique returns).
 */
#ifndef AS_ML_SPLIT_H
#define AS_ML_SPLIT_H

#include <stddef.h>
#include <stdint.h>

#include "core/core.h"

typedef struct as_mt19937 {
    uint32_t mt[624];
    int mti;
} as_mt19937;
void as__mt_seed(as_mt19937 *r, uint32_t seed);
uint32_t as__mt_next32(as_mt19937 *r);
/* numpy's random_interval: uniform integer in [0, max] by masked rejection sampling (no draw when max = 0). */
uint64_t as__mt_interval(as_mt19937 *r, uint64_t max);
/* RandomState.shuffle of a 1-d array of n entries, in place, drawing from r (continues r's stream). */
void as__mt_shuffle(as_mt19937 *r, size_t *a, size_t n);
/* perm[0..n) = RandomState(seed).permutation(n). */
void as__permutation(size_t n, uint32_t seed, size_t *perm);
/* train_test_split(range(n), test_size=fraction, random_state=seed): n_test = ceil(fraction * n);
 * test = perm[0..n_test), train = perm[n_test..n). Arrays are caller-allocated with n entries each. */
void as__random_split(size_t n, double fraction, uint32_t seed, size_t *train, size_t *n_train, size_t *test,
                      size_t *n_test);

/* train_test_split(range(n), test_size=fraction, random_state=seed, stratify=y), i.e. StratifiedShuffleSplit:
 * n_test = ceil(fraction·n), n_train = n − n_test; per-class train/test counts by _approximate_mode (ties in the
 * remainders broken by the random stream exactly as scikit-learn does), each class's rows permuted, then the
 * train and test lists each permuted. train/test are caller-allocated with n entries each and receive the rows
 * in scikit-learn's order. AS_ERR_INVALID (scikit-learn's messages) when the least populated class has fewer
 * than 2 members, or when n_train or n_test is smaller than the number of classes. */
as_status as__stratified_split(const int *cls, size_t n, int K, double fraction, uint32_t seed, size_t *train,
                               size_t *n_train, size_t *test, size_t *n_test, as_error *err);

/* KFold(n_splits=k, shuffle, random_state=seed): fold[i] ∈ [0, k) is the test fold of row i (consecutive
 * blocks, the first n % k folds one row larger; with shuffle the row order is RandomState(seed).shuffle'd
 * first). AS_ERR_INVALID when k < 2 or k > n (scikit-learn's message). */
as_status as__kfold(size_t n, int k, int shuffle, uint32_t seed, int *fold, as_error *err);

/* StratifiedKFold(n_splits=k, shuffle, random_state=seed): fold[i] ∈ [0, k). Classes are re-encoded in order of
 * first appearance and allocated as scikit-learn 1.2's _make_test_folds does (with shuffle, each class's fold
 * list is shuffled by one RandomState(seed) stream, class by class). AS_ERR_INVALID when k < 2, k > n or every
 * class has fewer than k members (scikit-learn's error); when only the least populated class is smaller than k,
 * it succeeds and writes scikit-learn's warning text into `warning` (empty string otherwise; may be NULL). */
as_status as__stratified_kfold(const int *cls, size_t n, int k, int shuffle, uint32_t seed, int *fold,
                               char *warning, size_t warning_size, as_error *err);

#endif
