/*
 * quality/reason_model — a trained reason classifier: hashed words and word pairs + multinomial logistic
 * regression (scikit-learn's objective: C·Σ logloss + ½‖W‖², intercepts not penalized), for reason texts the
 * keyword lexicon (reasons.h) does not recognise.
 *
 * Labelled text comes from two places:
 *   - a file the user labelled (CSV: a text column and a class column; class values are our class names or are
 *     translated by a value map, e.g. "Damaged=defective");
 *   - the shop's own texts that the lexicon recognises (self-training): the model learns which other words go with
 *     "broken" or "too small" in this shop's language and extends the lexicon's reach to the texts it missed.
 * The quality step uses the model only for texts the lexicon left as "other" (the lexicon stays authoritative
 * where it matched), and only when the model's top probability reaches a threshold.
 *
 * Features: words as in core/words.c (as__words_next: ASCII letters and digits, Latin-1 letters folded, apostrophes
 * dropped; pseudonyms skipped), each word and each adjacent word pair hashed (FNV-1a, seeded) into 2^hash_bits buckets, counts
 * log1p-scaled and the row L2-normalized. Sparse rows; training by L-BFGS (ml/lbfgs.h) on the K·(buckets + 1)
 * unknowns. Memory: the model is K·2^hash_bits doubles (7 · 16,384 · 8 = 0.9 MB at the default).
 *
 * Model file: JSON {"format": "aftersales-reason-model", "version": 1, "hash_bits", "bigrams", "C", "classes":
 * [names], "intercepts": [K], "weights": [[K rows of buckets]] (sparse: [[bucket, w1…wK], …] for non-zero
 * buckets), "trained_on": {"texts", "per_class": {…}, "source": "labels FILE" | "lexicon"}}.
 */
#ifndef AS_QUALITY_REASON_MODEL_H
#define AS_QUALITY_REASON_MODEL_H

#include <stddef.h>

#include "core/core.h"
#include "quality/reasons.h"

typedef struct as_reason_model as_reason_model;   /* opaque */

typedef struct as_reason_model_params {
    int hash_bits;        /* buckets = 2^hash_bits, 8 … 22; default 14 */
    int bigrams;          /* 1: adjacent word pairs too (default) */
    double C;             /* inverse regularization strength; default 1.0 */
    int min_per_class;    /* classes with fewer labelled texts are left out of the model (default 5) */
    int max_iter;         /* L-BFGS iterations; default 500 */
} as_reason_model_params;

as_reason_model_params as__reason_model_params_default(void);

/* One labelled text: UTF-8 bytes (not NUL-terminated necessarily) and its class (0 … AS_REASON_N−1). */
typedef struct as_reason_example {
    const char *text;
    size_t len;
    as_reason_class cls;
} as_reason_example;

/* Trains on n examples. Classes with fewer than min_per_class examples are dropped (their examples too); at least
 * two classes must remain, else AS_ERR_INVALID naming the counts per class. The examples are only read. */
as_status as__reason_model_train(const as_reason_example *ex, size_t n, const as_reason_model_params *params,
                                 as_reason_model **out, as_error *err);

/* Class of a text and its probability (the model's top class); probs (may be NULL) gets AS_REASON_N entries, 0 for
 * classes the model does not know. A text with no words gets the class prior (intercepts only). */
as_reason_class as__reason_model_predict(const as_reason_model *m, const char *text, size_t len, double *prob_top,
                                         double *probs);

/* Classes the model knows (their count, and whether class c is one of them). */
int as__reason_model_n_classes(const as_reason_model *m);
int as__reason_model_has_class(const as_reason_model *m, as_reason_class c);
/* Free-form provenance recorded in the file ("lexicon", "labels shopzilla.csv"); copied. */
as_status as__reason_model_set_source(as_reason_model *m, const char *source, as_error *err);

as_status as__reason_model_save(const as_reason_model *m, const char *path, as_error *err);
/* Errors name the file and the key that is missing or malformed. */
as_status as__reason_model_load(const char *path, as_reason_model **out, as_error *err);
void as__reason_model_free(as_reason_model *m);

/* The class a reason text gets everywhere in the quality step: the lexicon's when it recognised the text; else the
 * model's when a model is given and its top probability ≥ min_prob (default 0.5); else AS_REASON_OTHER. *how (may
 * be NULL) is 0 for no text, 1 lexicon, 2 model, 3 other. */
as_reason_class as__reason_class_of(const as_reason_model *m, double min_prob, const char *text, size_t len,
                                    int *how);

#endif
