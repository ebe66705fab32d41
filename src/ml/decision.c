/* Cost-based decisions (see decision.h): the contact threshold that maximizes expected savings, found with one
 * sort of the scores and one sweep over the distinct scores from the highest down — O(n log n).
 *
 * A row is a return when y = 1 and is flagged when score ≥ threshold (a NaN score is never flagged). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ml/ml.h"

/* The savings formula of as_decision, in one place so the sweep and as__decision_at give the same bits. */
static double savings_of(const as_costs *c, int64_t returns_flagged, int64_t contacts) {
    double prevented = c->contact_success * (double)returns_flagged;
    return c->return_cost * prevented - c->contact_cost * (double)contacts;
}

void as__decision_at(const double *y, const double *score, size_t n, const as_costs *costs, double threshold,
                     as_decision *out) {
    memset(out, 0, sizeof *out);
    out->threshold = threshold;
    out->rows = (int64_t)n;
    for (size_t i = 0; i < n; i++) {
        int pos = y[i] == 1, flag = score[i] >= threshold;   /* NaN compares false: never flagged */
        out->returns += pos;
        out->contacts += flag;
        out->returns_flagged += pos && flag;
    }
    if (!costs) {
        out->returns_prevented = out->savings = out->savings_per_row = NAN;
        return;
    }
    out->returns_prevented = costs->contact_success * (double)out->returns_flagged;
    out->savings = savings_of(costs, out->returns_flagged, out->contacts);
    out->savings_per_row = n ? out->savings / (double)n : NAN;
}

typedef struct dec_entry {
    double score;
    int pos;
} dec_entry;

static int cmp_dec_desc(const void *a, const void *b) {
    const dec_entry *x = a, *y = b;
    return (x->score < y->score) - (x->score > y->score);
}

as_status as__decision_best(const double *y, const double *score, size_t n, const as_costs *costs,
                            as_decision *out, as_error *err) {
    memset(out, 0, sizeof *out);
    out->threshold = NAN;
    out->returns_prevented = out->savings = out->savings_per_row = NAN;
    if (!costs) return as__err(err, AS_ERR_INVALID, "decision: no costs given");
    /* !(x >= 0) also refuses NaN */
    if (!(costs->return_cost >= 0) || !isfinite(costs->return_cost))
        return as__err(err, AS_ERR_INVALID, "decision: the return cost must be a finite number ≥ 0, got %g",
                       costs->return_cost);
    if (!(costs->contact_cost >= 0) || !isfinite(costs->contact_cost))
        return as__err(err, AS_ERR_INVALID, "decision: the contact cost must be a finite number ≥ 0, got %g",
                       costs->contact_cost);
    if (!(costs->contact_success > 0 && costs->contact_success <= 1))
        return as__err(err, AS_ERR_INVALID,
                       "decision: the contact success rate must be in (0, 1] (the share of contacted would-be "
                       "returns that are prevented), got %g",
                       costs->contact_success);
    if (n == 0) return as__err(err, AS_ERR_INVALID, "decision: no rows to choose a threshold on");

    dec_entry *e = as__malloc(n * sizeof *e);
    if (!e) return as__err(err, AS_ERR_NOMEM, "decision: out of memory sorting %zu scores", n);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(score[i])) e[m].score = score[i], e[m].pos = y[i] == 1, m++;
    qsort(e, m, sizeof *e, cmp_dec_desc);

    /* Candidate "flag nobody": S = 0 at the double just above the largest score (+∞ without any score). */
    double best_t = m ? nextafter(e[0].score, INFINITY) : INFINITY;
    double best_s = 0, best_gross = 0;
    int64_t flagged = 0, hits = 0;
    /* Lower the threshold one distinct score at a time; a candidate replaces the best only when it saves strictly
     * more, so among equal savings the higher threshold (fewer contacts) stays. "Equal" allows for the rounding
     * of the two products (a few ulps of the gross amounts): with decimal inputs such as return_cost 3,
     * contact_success 0.1 and contact_cost 0.3 a contact that saves exactly what it costs is a tie, not a gain
     * of 5.6e-17. */
    for (size_t a = 0; a < m;) {
        size_t b = a;
        while (b < m && e[b].score == e[a].score) hits += e[b].pos, b++;
        flagged += (int64_t)(b - a);
        double s = savings_of(costs, hits, flagged);
        double gross =
            costs->return_cost * costs->contact_success * (double)hits + costs->contact_cost * (double)flagged;
        if (s > best_s + 8 * DBL_EPSILON * (gross + best_gross)) best_s = s, best_t = e[a].score, best_gross = gross;
        a = b;
    }
    as__free(e);
    as__decision_at(y, score, n, costs, best_t, out);
    return AS_OK;
}
