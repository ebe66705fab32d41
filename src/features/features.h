/*
 * features — labels and point-in-time features, one row per purchase line, in the table `features`.
 *
 * Label: a purchase line (order o, customer c, product p, time t) is positive when a case opened at a time u
 * with t ≤ u ≤ t + H days belongs to it:
 *   - a case that names order o and product p (or o and no product: an order-level case) belongs to it;
 *   - a case that names no order but customer c and product p (a cancellation invoice) belongs to c's latest
 *     purchase of p at or before u — one return event marks one purchase, not every purchase it could undo.
 * A line is labelled when t + H days ≤ the last event in the data; otherwise its label is NULL (its future is
 * not yet known).
 *
 * Features use only facts strictly before t: the purchase's own line and basket (known when it is placed),
 * and histories (customer, product, category, shop) built from purchases and cases with time < t. Events at
 * the same instant as the purchase are not history. Delivery dates are not used: they are not known when the
 * order is placed, the moment the score is meant for.
 *
 * The library (docs/features.md) adds per-entity windowed histories, prices, basket composition, delivery
 * histories, hashed words and, at moment "delivery", the order's own delivery facts; order_features holds one
 * row per order. The meta keys feature_numeric / feature_categorical and order_feature_numeric /
 * order_feature_categorical list each table's model-input columns in table order.
 *
 * Lines without a customer are not feature rows: they cannot be matched to cancellations that name only the
 * customer, so their label would be a guess.
 */
#ifndef AS_FEATURES_H
#define AS_FEATURES_H

#include "core/core.h"
#include "store/store.h"

#define AS__MAX_HASH_BUCKETS AS_BUILD_MAX_HASH_BUCKETS

/* The main job's numeric feature columns: the first columns of the features table, in order (the library's
 * columns follow them; the meta key feature_numeric lists all). */
extern const char *const as__feature_numeric[];
extern const int as__n_feature_numeric;
/* Categorical feature columns (text; one-hot encoded by train with a vocabulary learned on training rows). */
extern const char *const as__feature_categorical[];
extern const int as__n_feature_categorical;
/* Further columns of the features table that are not model inputs (INTEGER). */
extern const char *const as__feature_extra[];
extern const int as__n_feature_extra;

#endif
