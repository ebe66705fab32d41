/*
 * quality_internal — what the alerts engine (quality.c) hands to its writers (quality_write.c). Private.
 *
 * A "unit" is a product, supplier, seller or category. For every unit, window (recent, long) and signal (all
 * product-related cases, and the three product reason classes on their own) the engine keeps one q_figures.
 */
#ifndef AS_QUALITY_INTERNAL_H
#define AS_QUALITY_INTERNAL_H

#include <stdint.h>

#include "aftersales/aftersales.h"
#include "core/core.h"
#include "quality/reasons.h"
#include "store/store.h"

enum { Q_PRODUCT, Q_SUPPLIER, Q_SELLER, Q_CATEGORY, Q_KINDS };
enum { Q_RECENT, Q_LONG, Q_WINDOWS };
/* Signals: a purchase line "has" a signal when one of its cases is of that kind of evidence. */
enum { Q_SIG_PRODUCT, Q_SIG_DEFECT, Q_SIG_SIZE, Q_SIG_DESCRIBED, Q_SIGNALS };
/* Reason tallies: the seven classes of reasons.h and "unknown" (a case without any reason text). */
#define Q_REASON_UNKNOWN AS_REASON_N
#define Q_REASONS (AS_REASON_N + 1)

extern const char *const as__q_kind_name[Q_KINDS];     /* "product", "supplier", "seller", "category" */
extern const char *const as__q_window_name[Q_WINDOWS]; /* "recent", "long" */
extern const char *const as__q_signal_name[Q_SIGNALS]; /* "product_related", "defective", "size_fit", … */
const char *as__q_reason_name(int reason);             /* class names and "unknown" */

/* One unit in one window for one signal. Rates are shares of purchase lines. */
typedef struct q_figures {
    int64_t n, k;                  /* purchase lines sold in the window; of them, lines with the signal */
    double rate;                   /* k / n */
    double baseline;               /* the rate expected of it: its category's (products), its mix of categories'
                                    * (suppliers, sellers), the shop's (categories) */
    double shrunk;                 /* posterior mean under the group's beta prior */
    double cred_lo, cred_hi;       /* credible interval of the shrunk rate */
    double ci_lo, ci_hi;           /* interval of the raw rate (Wilson by default) */
    double f95_lo, f95_hi;         /* funnel limits around the baseline at n (95 %, over-dispersion adjusted) */
    double f998_lo, f998_hi;       /* … 99.8 % (the funnel plot's outer lines) */
    double flag_lo, flag_hi;       /* … at the flagging coverage: 99.8 % (params.funnel) shared among the tests */
    double excess;                 /* n · (shrunk − baseline): expected returns above the baseline */
    int flagged;
} q_figures;

typedef struct q_unit {
    const char *id;                /* product id, supplier name, seller id, category name */
    const char *name;              /* product description (products), else NULL */
    int category;                  /* products: index of its category unit or -1 */
    int supplier;                  /* products: index of its supplier unit or -1 */
    q_figures fig[Q_WINDOWS][Q_SIGNALS];
    double expect[Q_WINDOWS][Q_SIGNALS];   /* suppliers and sellers: Σ of their lines' category baselines */
    int alert;                     /* index into the alert list or -1 */
} q_unit;

typedef struct q_example { const char *text; int64_t at; } q_example;

typedef struct q_alert {
    int kind, unit, window, signal;
    double excess;                 /* the ranking key: excess of (window, signal) */
    const char *id;                /* the unit's id (ties in excess are ranked by kind, then id) */
    unsigned flagged_mask;         /* bit (window · Q_SIGNALS + signal) for every flagged combination */
    int64_t onset;                 /* first sale of the changed period (epoch seconds); 0 = not dated */
    int onset_signal;              /* the signal the onset was dated on (rates before/after are of it) */
    double rate_before, rate_after;
    int64_t n_before, n_after;
    int64_t reasons[Q_REASONS];    /* cases of the unit's lines in the alert's window, by reason class */
    q_example example[Q_REASONS][2];  /* per class: the two latest distinct texts */
    /* The unit's sales and sales with the alert's signal per week, oldest first: week w covers the 7 days that end
     * (n_weeks − w − 1) weeks before as-of, so the last week ends at as-of; n_weeks spans the long window. For the
     * report's sparklines (table alert_weekly). Owned by the alert list (as__q_alerts_free). */
    int n_weeks;
    int32_t *week_sales, *week_cases;
} q_alert;

/* Weeks of an alert's weekly series for a long window of `long_days` days. */
static inline int as__q_weeks(int long_days) { return (long_days + 6) / 7; }

typedef struct q_result {
    int64_t as_of;
    const as_quality_params *params;
    q_unit *unit[Q_KINDS];
    size_t n_unit[Q_KINDS];
    q_alert *alerts;               /* ranked: largest excess first */
    size_t n_alerts;
    double overall_rate;
    unsigned signals;              /* bit g: signal g occurs in the shop (others are not written) */
} q_result;

/* Writers (quality_write.c): the three tables in one savepoint, and the files. */
as_status as__q_write_tables(as_db *db, const q_result *r, as_error *err);
as_status as__q_write_csv(const char *path, const q_result *r, as_error *err);
as_status as__q_write_json(const char *path, const q_result *r, as_error *err);
as_status as__q_write_units_csv(const char *path, const q_result *r, as_error *err);
/* Top reasons of an alert as "defective 14; size_fit 3; unknown 2" (at most 4 classes); buf ≥ 160 bytes. */
void as__q_top_reasons(const q_alert *a, char *buf, size_t size);
/* The class whose examples an alert shows: the alert signal's own class (defective, size_fit, not_as_described), for
 * product_related its most frequent evidence class with text. -1 when no such case has text. */
int as__q_example_class(const q_alert *a);

#endif
