/* Unit tests of src/ml/decision.c: the savings-maximizing contact threshold.
 * S(t) = return_cost · contact_success · #{y = 1, score ≥ t} − contact_cost · #{score ≥ t}; candidates are the
 * distinct scores and "flag nobody" (S = 0); ties go to the higher threshold. */
#include <float.h>

#include "ml/ml.h"
#include "test.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void test_hand_example(void) {
    /* return_cost 100, contact_cost 10, contact_success 0.5: a flagged return is worth 50, a contact costs 10.
     *   threshold  flagged (returns)  S
     *   nobody     0 (0)                0
     *   0.9        1 (1)               40
     *   0.8        3 (2)               70
     *   0.6        4 (3)              110
     *   0.4        5 (3)              100
     *   0.3        6 (4)              140   ← best
     *   0.2        7 (4)              130
     *   0.1        8 (4)              120 */
    static const double y[] = {0, 1, 1, 0, 1, 0, 1, 0};
    static const double s[] = {0.1, 0.9, 0.8, 0.8, 0.6, 0.4, 0.3, 0.2};
    as_costs c = {100, 10, 0.5};
    as_decision d;
    as_error err;
    CHECK_OK(as__decision_best(y, s, 8, &c, &d, &err), &err);
    CHECK(d.threshold == 0.3);
    CHECK(d.rows == 8 && d.contacts == 6 && d.returns == 4 && d.returns_flagged == 4);
    CHECK(d.returns_prevented == 2.0 && d.savings == 140.0 && d.savings_per_row == 17.5);
    /* the same threshold applied elsewhere */
    as_decision t;
    static const double y2[] = {1, 0, 1, 1};
    static const double s2[] = {0.35, 0.3, 0.29, NAN};   /* NaN is never flagged */
    as__decision_at(y2, s2, 4, &c, d.threshold, &t);
    CHECK(t.threshold == 0.3 && t.rows == 4 && t.contacts == 2 && t.returns == 3 && t.returns_flagged == 1);
    CHECK(t.returns_prevented == 0.5 && t.savings == 30.0 && t.savings_per_row == 7.5);
    /* as__decision_at on the choosing rows reproduces the choice bit for bit */
    as__decision_at(y, s, 8, &c, d.threshold, &t);
    CHECK(memcmp(&t, &d, sizeof t) == 0);
    /* no rows to apply to */
    as__decision_at(y, s, 0, &c, 0.5, &t);
    CHECK(t.rows == 0 && t.contacts == 0 && t.savings == 0 && isnan(t.savings_per_row));
}

static void test_ties(void) {
    as_decision d;
    as_error err;
    /* a flagged return is worth 50, a contact costs 25: S(0.9) = 25, S(0.8) = 0, S(0.7) = 25, S(0.6) = 0 —
     * the tie between 0.9 and 0.7 goes to the higher threshold */
    static const double y[] = {1, 0, 1, 0};
    static const double s[] = {0.9, 0.8, 0.7, 0.6};
    as_costs c = {100, 25, 0.5};
    CHECK_OK(as__decision_best(y, s, 4, &c, &d, &err), &err);
    CHECK(d.threshold == 0.9 && d.contacts == 1 && d.savings == 25);
    /* contact cost 50: S(0.9) = 0 ties with flagging nobody → nobody, reported as the double above 0.9 */
    c.contact_cost = 50;
    CHECK_OK(as__decision_best(y, s, 4, &c, &d, &err), &err);
    CHECK(d.threshold == nextafter(0.9, INFINITY) && d.threshold > 0.9 && d.contacts == 0 && d.savings == 0);
    /* tied scores move together: three rows at 0.5 (one return) are flagged or not as one */
    static const double y3[] = {0, 1, 0, 0};
    static const double s3[] = {0.5, 0.5, 0.5, 0.2};
    as_costs c3 = {100, 30, 1};
    CHECK_OK(as__decision_best(y3, s3, 4, &c3, &d, &err), &err);
    CHECK(d.threshold == 0.5 && d.contacts == 3 && d.returns_flagged == 1 && d.savings == 10);
    c3.contact_cost = 34;   /* 100 − 3·34 < 0 */
    CHECK_OK(as__decision_best(y3, s3, 4, &c3, &d, &err), &err);
    CHECK(d.contacts == 0 && d.savings == 0 && d.threshold > 0.5);
    /* decimal inputs: 3 · 0.1 is 0.30000000000000004 in double, so one contact "saves" 5.6e-17 against a cost of
     * 0.3 — a tie, not a gain: nobody is flagged */
    static const double y1[] = {1};
    static const double s1[] = {0.7};
    as_costs cd = {3, 0.3, 0.1};
    CHECK_OK(as__decision_best(y1, s1, 1, &cd, &d, &err), &err);
    CHECK(d.contacts == 0 && d.savings == 0);
    /* every score equal and worth flagging: threshold is that score */
    static const double ye[] = {1, 1, 0};
    static const double se[] = {0.4, 0.4, 0.4};
    as_costs ce = {10, 1, 1};
    CHECK_OK(as__decision_best(ye, se, 3, &ce, &d, &err), &err);
    CHECK(d.threshold == 0.4 && d.contacts == 3 && d.savings == 17);
    /* contact cost 0: flagging every row down to the lowest-scored return; rows below it only tie */
    static const double yz[] = {0, 1, 0, 1, 0};
    static const double sz[] = {0.9, 0.8, 0.5, 0.3, 0.1};
    as_costs cz = {10, 0, 0.5};
    CHECK_OK(as__decision_best(yz, sz, 5, &cz, &d, &err), &err);
    CHECK(d.threshold == 0.3 && d.contacts == 4 && d.savings == 10);
}

static void test_all_negative(void) {
    as_decision d;
    as_error err;
    static const double y[] = {0, 0, 0, 0};
    static const double s[] = {0.2, 0.95, 0.4, 0.95};
    as_costs c = {100, 1, 1};
    CHECK_OK(as__decision_best(y, s, 4, &c, &d, &err), &err);
    CHECK(d.contacts == 0 && d.returns == 0 && d.returns_flagged == 0 && d.savings == 0 && d.savings_per_row == 0);
    CHECK(d.threshold == nextafter(0.95, INFINITY));
    /* even with free contacts nothing is gained, so nobody is flagged (ties go to the higher threshold) */
    c.contact_cost = 0;
    CHECK_OK(as__decision_best(y, s, 4, &c, &d, &err), &err);
    CHECK(d.contacts == 0 && d.savings == 0);
    /* one row; a NaN score is never flagged and never a candidate */
    static const double y1[] = {1, 1};
    static const double s1[] = {NAN, 0.6};
    CHECK_OK(as__decision_best(y1, s1, 2, &c, &d, &err), &err);
    CHECK(d.threshold == 0.6 && d.contacts == 1 && d.returns == 2 && d.returns_flagged == 1);
    CHECK_OK(as__decision_best(y1, s1, 1, &c, &d, &err), &err);
    CHECK(d.contacts == 0 && d.savings == 0 && isinf(d.threshold));
}

static void test_invalid(void) {
    as_decision d;
    as_error err;
    static const double y[] = {1, 0};
    static const double s[] = {0.7, 0.2};
    static const as_costs bad[] = {
        {-1, 1, 0.5}, {1, -0.01, 0.5}, {1, 1, 0}, {1, 1, 1.5}, {1, 1, -0.2}, {NAN, 1, 0.5}, {1, NAN, 0.5},
        {1, 1, NAN}, {INFINITY, 1, 0.5},
    };
    for (size_t k = 0; k < N_OF(bad); k++) {
        as_status st = as__decision_best(y, s, 2, &bad[k], &d, &err);
        CHECK_MSG(st == AS_ERR_INVALID, "costs %zu: status %d", k, (int)st);
        CHECK(isnan(d.threshold) && d.contacts == 0);
    }
    as_costs ok = {1, 1, 1};
    CHECK(as__decision_best(y, s, 0, &ok, &d, &err) == AS_ERR_INVALID);
    CHECK(as__decision_best(y, s, 2, NULL, &d, &err) == AS_ERR_INVALID);
    /* boundary values are valid: success exactly 1, zero costs */
    as_costs edge = {0, 0, 1};
    CHECK_OK(as__decision_best(y, s, 2, &edge, &d, &err), &err);
    CHECK(d.contacts == 0 && d.savings == 0);
    /* allocation failure */
    as__alloc_fail_after(1);
    CHECK(as__decision_best(y, s, 2, &ok, &d, &err) == AS_ERR_NOMEM);
    as__alloc_fail_after(0);
}

/* A quadratic brute force over every candidate, for the sweep to agree with on random data with many ties. */
static void test_against_brute_force(void) {
    size_t n = 400;
    double y[400], s[400];
    uint32_t state = 12345;
    int mismatches = 0;
    for (int round = 0; round < 30; round++) {
        for (size_t i = 0; i < n; i++) {
            state = state * 1664525u + 1013904223u;
            s[i] = (double)((state >> 8) % 50) / 50.0;   /* 50 distinct values: many ties */
            state = state * 1664525u + 1013904223u;
            y[i] = ((state >> 8) % 1000) < 200 + (unsigned)(600 * s[i]) ? 1 : 0;
        }
        as_costs c = {80 + round, 5 + round % 7, 0.25 + 0.025 * round};
        as_decision d;
        as_error err;
        CHECK_OK(as__decision_best(y, s, n, &c, &d, &err), &err);
        /* brute force: every distinct score from the highest down, strict improvement only */
        double best_s = 0, best_t = INFINITY;
        for (int v = 49; v >= 0; v--) {
            double t = v / 50.0;
            int64_t m = 0, h = 0;
            for (size_t i = 0; i < n; i++)
                if (s[i] >= t) m++, h += y[i] == 1;
            if (m == 0) continue;
            double sv = c.return_cost * (c.contact_success * (double)h) - c.contact_cost * (double)m;
            if (sv > best_s + 1e-9) best_s = sv, best_t = t;
        }
        if (d.savings != best_s || (isfinite(best_t) && d.threshold != best_t) || (!isfinite(best_t) && d.contacts))
            mismatches++;
    }
    CHECK_MSG(mismatches == 0, "%d of 30 rounds differ from the brute force", mismatches);
}

int main(void) {
    RUN(test_hand_example);
    RUN(test_ties);
    RUN(test_all_negative);
    RUN(test_invalid);
    RUN(test_against_brute_force);
    return test_report("decision");
}
