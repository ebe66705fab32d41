/*
 * decision — turning risk scores into contacts: the threshold that maximizes expected savings.
 *
 * Flagging a row costs contact_cost; a flagged row that would have come back is saved with probability
 * contact_success, which saves return_cost. Expected savings at threshold t over rows with truth y:
 *     S(t) = return_cost · contact_success · #{y = 1, score ≥ t} − contact_cost · #{score ≥ t}.
 * The best threshold is searched over every distinct score (all rows at or above it flagged); flagging nobody
 * (S = 0, threshold +∞ reported as the largest score's next double) is a candidate, so savings are never
 * negative on the data the threshold was chosen on.
 */
#ifndef AS_ML_DECISION_H
#define AS_ML_DECISION_H

#include <stddef.h>

#include "core/core.h"

typedef struct as_costs {
    double return_cost, contact_cost, contact_success;
} as_costs;

/* Chooses the threshold on (y, score) — validation rows — and fills *out at that threshold. Ties in S are
 * resolved toward the higher threshold (fewer contacts). AS_ERR_INVALID for negative costs, contact_success
 * outside (0, 1] or n = 0; AS_ERR_NOMEM. */
as_status as__decision_best(const double *y, const double *score, size_t n, const as_costs *costs,
                            as_decision *out, as_error *err);
/* Fills *out for a given threshold (for example the validation threshold applied to test rows). */
void as__decision_at(const double *y, const double *score, size_t n, const as_costs *costs, double threshold,
                     as_decision *out);

#endif
