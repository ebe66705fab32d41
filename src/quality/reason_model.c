/*
 * reason_model — hashed words + multinomial logistic regression for reason texts (contract in reason_model.h).
 *
 * Objective (scikit-learn's LogisticRegression, multinomial, L2, lbfgs):
 *
 *   f(W, b) = C · Σ_i s_i (lse(z_i) − z_i,y_i) + ½ ‖W‖²,   z_i = W x_i + b ∈ R^K,
 *
 * intercepts b not penalized. Identical texts of the same class are merged into one row of weight s_i = their
 * count before training (same objective, and a shop's canned reasons — "too small" ten thousand times — cost
 * one row). Unknowns: W bucket-major (bucket j's K weights at v[j·K], so one feature touches K adjacent
 * doubles), then the K intercepts. Rows are sparse (CSR); nothing of size n × buckets is ever formed.
 *
 * L-BFGS (ml/lbfgs.h) asks for the change f(v + step) − f(v); each row's loss change is computed from its score
 * change δ as log1p(Σ_k P_k expm1(δ_k)) − δ_y while δ is small, as logreg_multi.c does, so the line search sees
 * accurate differences near the optimum. At the optimum Σ_k W_k = 0 (the penalty's gradient equals minus the
 * data gradient, whose class-sum is 0); the intercepts, which nothing pins, are centred to mean 0 at the end —
 * the solution scikit-learn reaches from 0.
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml/lbfgs.h"
#include "privacy/pii.h"
#include "quality/reason_model.h"

#define MAX_WORDS 256              /* a text's first 256 words are used (reason texts are short) */
#define MAX_FEATURES (2 * MAX_WORDS)
#define LBFGS_TOL 1e-7            /* ‖∇f‖ ≤ tol · ‖∇f(0)‖ */
#define MODEL_FORMAT "aftersales-reason-model"
#define MODEL_VERSION 1
#define MAX_FILE_BYTES ((size_t)1 << 30)
/* Weights a file may hold: a score sums at most MAX_FEATURES of them times values ≤ 1, so it stays finite and the
 * softmax defined (a trained model's weights are of order 1–10). */
#define MAX_ABS_WEIGHT 1e100

struct as_reason_model {
    int hash_bits, bigrams;
    double C;
    int K;                               /* classes in the model */
    as_reason_class cls[AS_REASON_N];    /* model class k → reason class */
    double *W;                           /* buckets × K, bucket-major */
    double b[AS_REASON_N];
    int64_t texts, per_class[AS_REASON_N];
    char *source;
};

as_reason_model_params as__reason_model_params_default(void) {
    as_reason_model_params p = {14, 1, 1.0, 5, 500};
    return p;
}

/* ---------------------------------------------------------------------------------------------------------
 * Words and features
 * ------------------------------------------------------------------------------------------------------- */

/* The next word of the text: as__words_next's words (core.h), the lexicon's own ("doesn't" is the word "doesnt"
 * the lexicon also knows), keyed pseudonyms skipped as in text_hash.c (they change with the user's key). */
static int next_word(as_words *it) {
    while (as__words_next(it))
        if (!as__pii_is_pseudonym(it->word, it->len)) return 1;
    return 0;
}

/* FNV-1a from a seed other than as__hash64's, so these buckets do not line up with the description features'. */
#define HASH_SEED (14695981039346656037ULL ^ 0x7265617330ULL)
static uint64_t fnv1a(uint64_t h, const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) { h ^= b[i]; h *= 1099511628211ULL; }
    return h;
}
static uint32_t bucket_of(uint64_t h, int bits) { return (uint32_t)((h ^ (h >> 32)) & (((uint64_t)1 << bits) - 1)); }

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* A text's feature row: sorted distinct buckets in idx, log1p(count) L2-normalized in val (MAX_FEATURES each).
 * Returns the number of non-zeros (0 for a text without words). A word pair joins the words with 0x1F, a byte
 * no word holds, so it never hashes like a single word. */
static size_t features(const char *text, size_t len, int bits, int bigrams, uint32_t *idx, double *val) {
    as_words it;
    uint32_t h[MAX_FEATURES];
    size_t m = 0, words = 0;
    char prev[AS_WORD_MAX];
    size_t prev_len = 0;
    as__words_init(&it, text, len);
    while (words < MAX_WORDS && next_word(&it)) {
        h[m++] = bucket_of(fnv1a(HASH_SEED, it.word, it.len), bits);
        if (bigrams && words) {
            uint64_t p = fnv1a(fnv1a(HASH_SEED, prev, prev_len), "\x1f", 1);
            h[m++] = bucket_of(fnv1a(p, it.word, it.len), bits);
        }
        memcpy(prev, it.word, it.len);
        prev_len = it.len;
        words++;
    }
    qsort(h, m, sizeof *h, cmp_u32);
    size_t nz = 0;
    double ss = 0;
    for (size_t a = 0; a < m;) {
        size_t e = a;
        while (e < m && h[e] == h[a]) e++;
        idx[nz] = h[a];
        val[nz] = log1p((double)(e - a));
        ss += val[nz] * val[nz];
        nz++;
        a = e;
    }
    for (size_t j = 0; j < nz; j++) val[j] /= sqrt(ss);
    return nz;
}

/* ---------------------------------------------------------------------------------------------------------
 * Training
 * ------------------------------------------------------------------------------------------------------- */

typedef struct fit_ws {
    size_t n, K, D, nv;
    const size_t *ptr;
    const uint32_t *idx;
    const double *val, *sw;
    const int *y;
    double C;
    double *Z, *P, *lse, *Zt, *Pt, *lset;   /* per row at the current and the trial point */
} fit_ws;

static void swap_ptr(double **a, double **b) { double *t = *a; *a = *b; *b = t; }

/* f(x + step) − f(x) and ∇f(x + step); the trial point's per-row state goes to Zt, Pt, lset. */
static double fit_trial(void *ctx, const double *x, const double *step, double *g) {
    fit_ws *L = ctx;
    const size_t K = L->K, D = L->D;
    const double *sb = step + D * K;
    double dloss = 0, dreg = 0, dz[AS_REASON_N];
    memset(g, 0, L->nv * sizeof *g);
    for (size_t i = 0; i < L->n; i++) {
        for (size_t k = 0; k < K; k++) dz[k] = sb[k];
        for (size_t t = L->ptr[i]; t < L->ptr[i + 1]; t++) {
            const double v = L->val[t], *sj = step + (size_t)L->idx[t] * K;
            for (size_t k = 0; k < K; k++) dz[k] += v * sj[k];
        }
        const size_t y = (size_t)L->y[i];
        const double *z = L->Z + i * K, *P = L->P + i * K;
        double *zt = L->Zt + i * K, *Pt = L->Pt + i * K, dmax = 0, pmin = 1;
        for (size_t k = 0; k < K; k++) {
            zt[k] = z[k] + dz[k];
            dmax = fmax(dmax, fabs(dz[k]));
            pmin = fmin(pmin, P[k]);
        }
        double dl;
        if (dmax <= 1 && pmin > 1e-200) {
            double E = 0;
            for (size_t k = 0; k < K; k++) {
                double em1 = expm1(dz[k]);
                Pt[k] = P[k] * (1 + em1);
                E += P[k] * em1;
            }
            const double l1p = log1p(E);
            for (size_t k = 0; k < K; k++) Pt[k] /= 1 + E;
            L->lset[i] = L->lse[i] + l1p;
            dl = l1p - dz[y];
        } else {
            double mx = -INFINITY, sum = 0;
            for (size_t k = 0; k < K; k++) mx = fmax(mx, zt[k]);
            for (size_t k = 0; k < K; k++) sum += (Pt[k] = exp(zt[k] - mx));
            for (size_t k = 0; k < K; k++) Pt[k] /= sum;
            L->lset[i] = mx + log(sum);
            dl = (L->lset[i] - zt[y]) - (L->lse[i] - z[y]);
        }
        const double s = L->sw[i];
        dloss += s * dl;
        double r[AS_REASON_N];
        for (size_t k = 0; k < K; k++) {
            r[k] = L->C * s * (Pt[k] - (k == y ? 1.0 : 0.0));
            g[D * K + k] += r[k];
        }
        for (size_t t = L->ptr[i]; t < L->ptr[i + 1]; t++) {
            const double v = L->val[t];
            double *gj = g + (size_t)L->idx[t] * K;
            for (size_t k = 0; k < K; k++) gj[k] += v * r[k];
        }
    }
    for (size_t j = 0; j < D * K; j++) {
        const double w = x[j] + step[j];
        g[j] += w;
        dreg += x[j] * step[j] + 0.5 * step[j] * step[j];
    }
    return L->C * dloss + dreg;
}

static void fit_accept(void *ctx) {
    fit_ws *L = ctx;
    swap_ptr(&L->Z, &L->Zt), swap_ptr(&L->P, &L->Pt), swap_ptr(&L->lse, &L->lset);
}

/* Identical texts of one class are merged into one weighted row: examples sorted by a hash of (class, text), and
 * neighbours with equal class and bytes merged. A hash collision only leaves two rows where one would do (the
 * objective is the same either way). */
typedef struct ex_key {
    uint64_t h;
    size_t i;
} ex_key;

static int cmp_key(const void *a, const void *b) {
    const ex_key *x = a, *y = b;
    if (x->h != y->h) return x->h < y->h ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

static int same_example(const as_reason_example *x, const as_reason_example *y) {
    return x->cls == y->cls && x->len == y->len && (x->len == 0 || memcmp(x->text, y->text, x->len) == 0);
}

static const char *class_list(const int64_t *count, char *buf, size_t size) {
    size_t m = 0;
    buf[0] = '\0';
    for (int c = 0; c < AS_REASON_N && m < size; c++)
        if (count[c])
            m += (size_t)snprintf(buf + m, size - m, "%s%s %lld", m ? ", " : "", as__reason_class_name((as_reason_class)c),
                                  (long long)count[c]);
    return buf;
}

as_status as__reason_model_train(const as_reason_example *ex, size_t n, const as_reason_model_params *params,
                                 as_reason_model **out, as_error *err) {
    *out = NULL;
    as_reason_model_params p = params ? *params : as__reason_model_params_default();
    if (p.hash_bits < 8 || p.hash_bits > 22)
        return as__err(err, AS_ERR_INVALID, "reason model: hash_bits is %d, expected 8 to 22", p.hash_bits);
    if (!(p.C > 0) || !isfinite(p.C))
        return as__err(err, AS_ERR_INVALID, "reason model: C is %g, expected a positive number", p.C);
    if (p.min_per_class < 1 || p.max_iter < 1)
        return as__err(err, AS_ERR_INVALID, "reason model: min_per_class (%d) and max_iter (%d) must be at least 1",
                       p.min_per_class, p.max_iter);
    if (n == 0) return as__err(err, AS_ERR_NODATA, "reason model: no labelled texts to train on");
    int64_t count[AS_REASON_N] = {0};
    for (size_t i = 0; i < n; i++) {
        if (ex[i].cls < 0 || ex[i].cls >= AS_REASON_N)
            return as__err(err, AS_ERR_INVALID, "reason model: text %zu has class %d, expected 0 to %d", i,
                           (int)ex[i].cls, AS_REASON_N - 1);
        if (ex[i].len && !ex[i].text)
            return as__err(err, AS_ERR_INVALID, "reason model: text %zu is NULL with length %zu", i, ex[i].len);
        count[ex[i].cls]++;
    }
    int code[AS_REASON_N], K = 0;
    as_reason_class cls[AS_REASON_N];
    for (int c = 0; c < AS_REASON_N; c++) {
        code[c] = count[c] >= p.min_per_class ? K : -1;
        if (code[c] >= 0) cls[K++] = (as_reason_class)c;
    }
    if (K < 2) {
        char list[256];
        return as__err(err, AS_ERR_INVALID,
                       "reason model: needs at least two classes with %d or more labelled texts each, got %s; label "
                       "more texts of the missing classes", p.min_per_class, class_list(count, list, sizeof list));
    }

    const size_t Kz = (size_t)K, D = (size_t)1 << p.hash_bits, nv = D * Kz + Kz;
    ex_key *keys = as__malloc(n * sizeof *keys);
    if (!keys) return as__err(err, AS_ERR_NOMEM, "out of memory training the reason model on %zu texts", n);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if (code[ex[i].cls] >= 0) {
            unsigned char c = (unsigned char)ex[i].cls;
            keys[kept].h = fnv1a(fnv1a(HASH_SEED, &c, 1), ex[i].text, ex[i].len);
            keys[kept++].i = i;
        }
    qsort(keys, kept, sizeof *keys, cmp_key);

    /* two passes over the distinct texts: count rows and non-zeros, then fill the CSR arrays */
    uint32_t fidx[MAX_FEATURES];
    double fval[MAX_FEATURES];
    size_t rows = 0, nnz = 0;
    for (size_t a = 0; a < kept; a++)
        if (!a || !same_example(&ex[keys[a].i], &ex[keys[a - 1].i])) {
            rows++;
            nnz += features(ex[keys[a].i].text, ex[keys[a].i].len, p.hash_bits, p.bigrams, fidx, fval);
        }
    as_status st = AS_OK;
    as_reason_model *m = as__calloc(1, sizeof *m);
    size_t *ptr = as__malloc((rows + 1) * sizeof *ptr);
    uint32_t *idx = as__malloc((nnz ? nnz : 1) * sizeof *idx);
    double *val = as__malloc((nnz ? nnz : 1) * sizeof *val);
    int *y = as__malloc(rows * sizeof *y);
    double *sw = as__malloc(rows * sizeof *sw);
    double *state = rows <= SIZE_MAX / sizeof(double) / (4 * Kz + 2)
                        ? as__malloc(rows * (4 * Kz + 2) * sizeof *state) : NULL;
    double *v = as__calloc(nv, sizeof *v), *g = as__calloc(nv, sizeof *g), *zero = as__calloc(nv, sizeof *zero);
    if (!m || !ptr || !idx || !val || !y || !sw || !state || !v || !g || !zero) {
        st = as__err(err, AS_ERR_NOMEM, "out of memory training the reason model (%zu distinct texts, %zu buckets)",
                     rows, D);
        goto done;
    }
    size_t r = 0, t = 0;
    ptr[0] = 0;
    for (size_t a = 0; a < kept; a++) {
        const as_reason_example *e = &ex[keys[a].i];
        if (a && same_example(e, &ex[keys[a - 1].i])) {
            sw[r - 1] += 1;
            continue;
        }
        size_t nz = features(e->text, e->len, p.hash_bits, p.bigrams, idx + t, val + t);
        t += nz;
        y[r] = code[e->cls];
        sw[r] = 1;
        ptr[++r] = t;
    }

    fit_ws L = {rows, Kz, D, nv, ptr, idx, val, sw, y, p.C, NULL, NULL, NULL, NULL, NULL, NULL};
    L.Z = state, L.P = state + rows * Kz, L.Zt = state + 2 * rows * Kz, L.Pt = state + 3 * rows * Kz;
    L.lse = state + 4 * rows * Kz, L.lset = L.lse + rows;
    for (size_t i = 0; i < rows * Kz; i++) L.Z[i] = 0, L.P[i] = 1.0 / (double)K;
    for (size_t i = 0; i < rows; i++) L.lse[i] = log((double)K);
    fit_trial(&L, v, zero, g);   /* the gradient at 0 */
    fit_accept(&L);
    as_lbfgs_fun fn = {nv, &L, fit_trial, fit_accept};
    as_lbfgs_opts o = {10, p.max_iter, LBFGS_TOL, 0.0, NULL, NULL};
    as_lbfgs_result res;
    if ((st = as__lbfgs_minimize(&fn, v, g, &o, &res, err))) goto done;
    double mean = 0;
    for (size_t k = 0; k < Kz; k++) mean += v[D * Kz + k];
    for (size_t k = 0; k < Kz; k++) m->b[k] = v[D * Kz + k] - mean / (double)K;
    for (size_t j = 0; j < D * Kz; j++)
        if (!isfinite(v[j])) {
            st = as__err(err, AS_ERR_NUMERIC, "reason model: training diverged (weight %zu is %g)", j, v[j]);
            goto done;
        }
    m->hash_bits = p.hash_bits, m->bigrams = p.bigrams ? 1 : 0, m->C = p.C, m->K = K;
    memcpy(m->cls, cls, sizeof cls);
    m->W = v;
    v = NULL;
    m->texts = (int64_t)kept;
    for (int k = 0; k < K; k++) m->per_class[cls[k]] = count[cls[k]];

done:
    as__free(keys), as__free(ptr), as__free(idx), as__free(val), as__free(y), as__free(sw), as__free(state);
    as__free(v), as__free(g), as__free(zero);
    if (st) {
        as__reason_model_free(m);
        return st;
    }
    *out = m;
    return AS_OK;
}

/* ---------------------------------------------------------------------------------------------------------
 * Prediction
 * ------------------------------------------------------------------------------------------------------- */

/* The model's top class for a feature row, its probability and (probs) all of them; *known gets the number of the
 * row's buckets that carry a weight. A bucket no training text touched keeps weight 0 exactly (its gradient is the
 * penalty's alone, 0 at 0, and every L-BFGS step is a combination of gradients), so a text of such words alone
 * gets the class prior — the largest class, never evidence about this text. */
static as_reason_class predict_row(const as_reason_model *m, const uint32_t *idx, const double *val, size_t nz,
                                   double *prob_top, double *probs, size_t *known) {
    double z[AS_REASON_N], mx = -INFINITY, sum = 0;
    const size_t K = (size_t)m->K;
    size_t n_known = 0;
    for (size_t k = 0; k < K; k++) z[k] = m->b[k];
    for (size_t t = 0; t < nz; t++) {
        const double *w = m->W + (size_t)idx[t] * K;
        int touched = 0;
        for (size_t k = 0; k < K; k++) {
            z[k] += val[t] * w[k];
            touched |= w[k] != 0;
        }
        n_known += (size_t)touched;
    }
    for (size_t k = 0; k < K; k++) mx = fmax(mx, z[k]);
    for (size_t k = 0; k < K; k++) sum += (z[k] = exp(z[k] - mx));
    size_t top = 0;
    for (size_t k = 0; k < K; k++) {
        z[k] /= sum;
        if (z[k] > z[top]) top = k;
    }
    if (probs) {
        for (int c = 0; c < AS_REASON_N; c++) probs[c] = 0;
        for (size_t k = 0; k < K; k++) probs[m->cls[k]] = z[k];
    }
    if (prob_top) *prob_top = z[top];
    if (known) *known = n_known;
    return m->cls[top];
}

as_reason_class as__reason_model_predict(const as_reason_model *m, const char *text, size_t len, double *prob_top,
                                         double *probs) {
    uint32_t idx[MAX_FEATURES];
    double val[MAX_FEATURES];
    size_t nz = features(text, len, m->hash_bits, m->bigrams, idx, val);
    return predict_row(m, idx, val, nz, prob_top, probs, NULL);
}

int as__reason_model_n_classes(const as_reason_model *m) { return m ? m->K : 0; }

int as__reason_model_has_class(const as_reason_model *m, as_reason_class c) {
    for (int k = 0; m && k < m->K; k++)
        if (m->cls[k] == c) return 1;
    return 0;
}

as_status as__reason_model_set_source(as_reason_model *m, const char *source, as_error *err) {
    char *s = as__strdup(source ? source : "");
    if (!s) return as__err(err, AS_ERR_NOMEM, "out of memory");
    as__free(m->source);
    m->source = s;
    return AS_OK;
}

as_reason_class as__reason_class_of(const as_reason_model *m, double min_prob, const char *text, size_t len,
                                    int *how) {
    as_words it;
    as__words_init(&it, text, len);
    if (how) *how = 0;
    if (!text || !next_word(&it)) return AS_REASON_OTHER;
    int recognised;
    as_reason_class c = as__reason_classify(text, len, &recognised);
    if (recognised) {
        if (how) *how = 1;
        return c;
    }
    if (m) {
        /* the model speaks only for a text with at least one word (or word pair) it was trained on */
        uint32_t idx[MAX_FEATURES];
        double val[MAX_FEATURES], p;
        size_t known, nz = features(text, len, m->hash_bits, m->bigrams, idx, val);
        c = predict_row(m, idx, val, nz, &p, NULL, &known);
        if (known && p >= min_prob && c != AS_REASON_OTHER) {
            if (how) *how = 2;
            return c;
        }
    }
    if (how) *how = 3;
    return AS_REASON_OTHER;
}

/* ---------------------------------------------------------------------------------------------------------
 * The model file
 * ------------------------------------------------------------------------------------------------------- */

/* A JSON string literal, escaped by cJSON. */
static int put_json_string(FILE *f, const char *s) {
    cJSON *j = cJSON_CreateString(s ? s : "");
    char *txt = j ? cJSON_PrintUnformatted(j) : NULL;
    cJSON_Delete(j);
    if (!txt) return 0;
    fputs(txt, f);
    cJSON_free(txt);
    return 1;
}

as_status as__reason_model_save(const as_reason_model *m, const char *path, as_error *err) {
    FILE *f = fopen(path, "w");
    if (!f) return as__err(err, AS_ERR_IO, "cannot write reason model file %s; check the folder exists and is writable",
                           path);
    const size_t K = (size_t)m->K, D = (size_t)1 << m->hash_bits;
    fprintf(f, "{\n  \"format\": \"%s\",\n  \"version\": %d,\n  \"hash_bits\": %d,\n  \"bigrams\": %d,\n"
               "  \"C\": %.17g,\n  \"classes\": [", MODEL_FORMAT, MODEL_VERSION, m->hash_bits, m->bigrams, m->C);
    for (size_t k = 0; k < K; k++) fprintf(f, "%s\"%s\"", k ? ", " : "", as__reason_class_name(m->cls[k]));
    fprintf(f, "],\n  \"intercepts\": [");
    for (size_t k = 0; k < K; k++) fprintf(f, "%s%.17g", k ? ", " : "", m->b[k]);
    fprintf(f, "],\n  \"weights\": [");
    int first = 1;
    for (size_t j = 0; j < D; j++) {
        const double *w = m->W + j * K;
        size_t k = 0;
        while (k < K && w[k] == 0) k++;
        if (k == K) continue;   /* a bucket no training text touched */
        fprintf(f, "%s\n    [%zu", first ? "" : ",", j);
        for (k = 0; k < K; k++) fprintf(f, ", %.17g", w[k]);
        fputc(']', f);
        first = 0;
    }
    fprintf(f, "\n  ],\n  \"trained_on\": {\"texts\": %lld, \"per_class\": {", (long long)m->texts);
    first = 1;
    for (size_t k = 0; k < K; k++, first = 0)
        fprintf(f, "%s\"%s\": %lld", first ? "" : ", ", as__reason_class_name(m->cls[k]),
                (long long)m->per_class[m->cls[k]]);
    fprintf(f, "}, \"source\": ");
    int ok = put_json_string(f, m->source ? m->source : "");
    fprintf(f, "}\n}\n");
    if (fclose(f) != 0 || ok == 0)
        return as__err(err, ok ? AS_ERR_IO : AS_ERR_NOMEM, "writing reason model file %s failed%s", path,
                       ok ? " (disk full?)" : ": out of memory");
    return AS_OK;
}

static as_status read_all(const char *path, as_buf *b, as_error *err) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return as__err(err, AS_ERR_IO, "cannot open reason model file %s; train one with `aftersales reasons train "
                                        "--out %s`", path, path);
    as__buf_init(b, MAX_FILE_BYTES);
    as_status st = as__buf_read_stream(b, f);
    fclose(f);
    if (st) {
        as__buf_free(b);
        return as__err(err, st, "cannot read reason model file %s%s", path,
                       st == AS_ERR_INVALID ? " (larger than 1 GiB)" : "");
    }
    return AS_OK;
}

/* A whole number in [lo, hi] from a JSON number; 0 when it is not one. */
static int whole(const cJSON *v, double lo, double hi, long long *out) {
    if (!cJSON_IsNumber(v)) return 0;
    double d = v->valuedouble;
    if (!(d >= lo && d <= hi) || d != floor(d)) return 0;
    *out = (long long)d;
    return 1;
}

static as_reason_class class_named(const char *s) {
    for (int c = 0; c < AS_REASON_N; c++)
        if (strcmp(s, as__reason_class_name((as_reason_class)c)) == 0) return (as_reason_class)c;
    return AS_REASON_N;
}

static as_status load_json(const cJSON *root, as_reason_model *m, const char *path, as_error *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "format");
    long long x;
    if (!cJSON_IsString(v) || strcmp(v->valuestring, MODEL_FORMAT) != 0)
        return as__err(err, AS_ERR_FORMAT, "%s: key 'format' is missing or not \"%s\"; is this a reason model from "
                                           "`aftersales reasons train`?", path, MODEL_FORMAT);
    if (!whole(cJSON_GetObjectItemCaseSensitive(root, "version"), 1, MODEL_VERSION, &x))
        return as__err(err, AS_ERR_FORMAT, "%s: key 'version' is missing or not a version this build reads (1 to %d)",
                       path, MODEL_VERSION);
    if (!whole(cJSON_GetObjectItemCaseSensitive(root, "hash_bits"), 8, 22, &x))
        return as__err(err, AS_ERR_FORMAT, "%s: key 'hash_bits' is missing or not a whole number from 8 to 22", path);
    m->hash_bits = (int)x;
    if (!whole(cJSON_GetObjectItemCaseSensitive(root, "bigrams"), 0, 1, &x))
        return as__err(err, AS_ERR_FORMAT, "%s: key 'bigrams' is missing or not 0 or 1", path);
    m->bigrams = (int)x;
    v = cJSON_GetObjectItemCaseSensitive(root, "C");
    if (!cJSON_IsNumber(v) || !(v->valuedouble > 0) || !isfinite(v->valuedouble))
        return as__err(err, AS_ERR_FORMAT, "%s: key 'C' is missing or not a positive number", path);
    m->C = v->valuedouble;
    const cJSON *cl = cJSON_GetObjectItemCaseSensitive(root, "classes");
    int K = cJSON_IsArray(cl) ? cJSON_GetArraySize(cl) : 0;
    if (K < 2 || K > AS_REASON_N)
        return as__err(err, AS_ERR_FORMAT, "%s: key 'classes' is missing or does not list 2 to %d class names", path,
                       AS_REASON_N);
    int seen[AS_REASON_N] = {0};
    for (int k = 0; k < K; k++) {
        const cJSON *e = cJSON_GetArrayItem(cl, k);
        as_reason_class c = cJSON_IsString(e) ? class_named(e->valuestring) : AS_REASON_N;
        if (c == AS_REASON_N || seen[c]++)
            return as__err(err, AS_ERR_FORMAT, "%s: 'classes'[%d] is not a reason class or is listed twice (the classes "
                                               "are size_fit, defective, not_as_described, wrong_item, delivery, "
                                               "changed_mind, other)", path, k);
        m->cls[k] = c;
    }
    m->K = K;
    const cJSON *ic = cJSON_GetObjectItemCaseSensitive(root, "intercepts");
    if (!cJSON_IsArray(ic) || cJSON_GetArraySize(ic) != K)
        return as__err(err, AS_ERR_FORMAT, "%s: key 'intercepts' is missing or does not hold %d numbers", path, K);
    for (int k = 0; k < K; k++) {
        const cJSON *e = cJSON_GetArrayItem(ic, k);
        if (!cJSON_IsNumber(e) || !(fabs(e->valuedouble) <= MAX_ABS_WEIGHT))
            return as__err(err, AS_ERR_FORMAT, "%s: 'intercepts'[%d] is not a number from -1e100 to 1e100", path, k);
        m->b[k] = e->valuedouble;
    }
    const size_t D = (size_t)1 << m->hash_bits, Kz = (size_t)K;
    const cJSON *wt = cJSON_GetObjectItemCaseSensitive(root, "weights");
    if (!cJSON_IsArray(wt)) return as__err(err, AS_ERR_FORMAT, "%s: key 'weights' is missing or not a list", path);
    m->W = as__calloc(D * Kz, sizeof *m->W);
    unsigned char *set = as__calloc(D, 1);
    as_status st = AS_OK;
    if (!m->W || !set) {
        as__free(set);
        return as__err(err, AS_ERR_NOMEM, "out of memory loading %s", path);
    }
    size_t row = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, wt) {
        long long j;
        if (!cJSON_IsArray(e) || cJSON_GetArraySize(e) != K + 1 || !whole(e->child, 0, (double)(D - 1), &j)) {
            st = as__err(err, AS_ERR_FORMAT, "%s: 'weights'[%zu] is not [bucket, %d weights] with a bucket from 0 to "
                                             "%zu", path, row, K, D - 1);
            break;
        }
        if (set[j]++) {
            st = as__err(err, AS_ERR_FORMAT, "%s: 'weights'[%zu] repeats bucket %lld", path, row, j);
            break;
        }
        int k = 0;
        for (const cJSON *w = e->child->next; w; w = w->next, k++) {
            if (!cJSON_IsNumber(w) || !(fabs(w->valuedouble) <= MAX_ABS_WEIGHT)) {
                st = as__err(err, AS_ERR_FORMAT, "%s: 'weights'[%zu][%d] is not a number from -1e100 to 1e100", path,
                             row, k + 1);
                break;
            }
            m->W[(size_t)j * Kz + (size_t)k] = w->valuedouble;
        }
        if (st) break;
        row++;
    }
    as__free(set);
    if (st) return st;
    /* provenance: informational, so a file without it still loads */
    const cJSON *tr = cJSON_GetObjectItemCaseSensitive(root, "trained_on");
    if (cJSON_IsObject(tr)) {
        if (whole(cJSON_GetObjectItemCaseSensitive(tr, "texts"), 0, 9e15, &x)) m->texts = x;
        const cJSON *pc = cJSON_GetObjectItemCaseSensitive(tr, "per_class");
        cJSON_ArrayForEach(e, pc) {
            as_reason_class c = e->string ? class_named(e->string) : AS_REASON_N;
            if (c != AS_REASON_N && whole(e, 0, 9e15, &x)) m->per_class[c] = x;
        }
        v = cJSON_GetObjectItemCaseSensitive(tr, "source");
        if (cJSON_IsString(v) && (st = as__reason_model_set_source(m, v->valuestring, err))) return st;
    }
    return AS_OK;
}

as_status as__reason_model_load(const char *path, as_reason_model **out, as_error *err) {
    *out = NULL;
    as_buf b;
    as_status st = read_all(path, &b, err);
    if (st) return st;
    cJSON *root = cJSON_ParseWithLength(b.data, b.len);
    as__buf_free(&b);
    if (!root) return as__err(err, AS_ERR_PARSE, "%s is not valid JSON; it may be truncated", path);
    as_reason_model *m = as__calloc(1, sizeof *m);
    if (!m) {
        cJSON_Delete(root);
        return as__err(err, AS_ERR_NOMEM, "out of memory");
    }
    st = cJSON_IsObject(root) ? load_json(root, m, path, err)
                              : as__err(err, AS_ERR_FORMAT, "%s: a reason model is a JSON object", path);
    cJSON_Delete(root);
    if (st) {
        as__reason_model_free(m);
        return st;
    }
    *out = m;
    return AS_OK;
}

void as__reason_model_free(as_reason_model *m) {
    if (!m) return;
    as__free(m->W);
    as__free(m->source);
    as__free(m);
}
