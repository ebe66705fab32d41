/*
 * quality — the first quality list: products ranked by their empirical-Bayes shrunk return rate.
 *
 * One aggregate query gives every product's sales n (purchase lines, quantity > 0) and cases k (cases of any
 * kind naming the product; k is clipped to n because a rate above 1 means the cases were not per line).
 * A beta prior is fitted to all products with sales, each product's rate is shrunk towards it, and the list
 * is written to the `quality` table (replaced on every run) and optionally to a CSV file.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quality/quality.h"
#include "store/store.h"

as_quality_params as_quality_params_default(void) {
    as_quality_params p;
    memset(&p, 0, sizeof p);
    p.min_sales = 1;
    p.out_csv = NULL;
    return p;
}

/* ---------------------------------------------------------------------------------------------------------
 * Statistics
 * ------------------------------------------------------------------------------------------------------- */

void as__wilson(int64_t k, int64_t n, double z, double *lo, double *hi) {
    double nn = (double)n, p = (double)k / nn, z2 = z * z;
    double denom = 1.0 + z2 / nn;
    double centre = (p + z2 / (2.0 * nn)) / denom;
    double half = z * sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn)) / denom;
    *lo = k == 0 ? 0.0 : fmax(0.0, centre - half);
    *hi = k == n ? 1.0 : fmin(1.0, centre + half);
}

/*
 * The beta prior by the method of moments, with unequal sample sizes.
 *
 * Model: product i has a true rate p_i ~ Beta(α, β) and k_i | p_i ~ Binomial(n_i, p_i). Write μ = α/(α+β)
 * and ρ = 1/(α+β+1) (the intra-product correlation). Then the raw rate r_i = k_i/n_i has
 *     E r_i = μ,   Var r_i = μ(1−μ) · (ρ + (1−ρ)/n_i).
 * Products that sold more say more about the mean, so μ is estimated by the sales-weighted mean
 *     μ̂ = Σk_i / Σn_i = K/N  (the overall rate),
 * and the spread by the sales-weighted sum of squares T = Σ n_i (r_i − μ̂)². Its expectation, taking into
 * account that μ̂ is itself estimated from the same data, is
 *     E T = μ(1−μ) · [ ρ (N − Σn_i²/N) + (1−ρ)(m−1) ]          (m = number of products),
 * so equating T with its expectation gives (Kleinman 1973; the ANOVA estimator of ρ)
 *     ρ̂ = (T/(μ̂(1−μ̂)) − (m−1)) / (N − Σn_i²/N − (m−1)),
 *     α + β = 1/ρ̂ − 1,   α = μ̂(α+β),   β = (1−μ̂)(α+β).
 * Weighting by n_i is what keeps the many products with one or two sales — whose raw rates are 0 or 1 by
 * construction — from swamping the estimate of the between-product spread; the (m−1) terms remove exactly
 * the binomial noise those small products add.
 *
 * The estimate is degenerate when m < 2, when μ̂ is 0 or 1 (no variation at all), when the denominator is
 * not positive (every n_i = 1: binomial noise and real spread cannot be told apart), or when ρ̂ falls
 * outside (0, 1) (the rates vary less than binomial noise alone would make them, so the data do not support
 * any particular prior strength). Then a weak prior of strength α + β = 2 centred on the overall rate is
 * used: it moves a product's rate by at most the weight of two sales.
 */
int as__beta_prior_fit(const as_quality_count *c, size_t m, double *alpha, double *beta) {
    double N = 0, K = 0, S2 = 0;
    for (size_t i = 0; i < m; i++) {
        N += (double)c[i].n;
        K += (double)c[i].k;
        S2 += (double)c[i].n * (double)c[i].n;
    }
    double mu = N > 0 ? K / N : 0.0;
    if (m >= 2 && mu > 0.0 && mu < 1.0) {
        double T = 0;
        for (size_t i = 0; i < m; i++) {
            double d = (double)c[i].k / (double)c[i].n - mu;
            T += (double)c[i].n * d * d;
        }
        double denom = N - S2 / N - (double)(m - 1);
        double rho = denom > 0 ? (T / (mu * (1.0 - mu)) - (double)(m - 1)) / denom : NAN;
        if (rho > 0.0 && rho < 1.0) {
            double strength = 1.0 / rho - 1.0;
            *alpha = mu * strength;
            *beta = (1.0 - mu) * strength;
            return 1;
        }
    }
    /* Fallback. At the extremes (no cases, or every sale a case) the centre is pulled in by half a case so
     * that α and β stay positive and the prior proper. */
    double centre = (mu > 0.0 && mu < 1.0) ? mu : (K + 0.5) / (N + 1.0);
    *alpha = 2.0 * centre;
    *beta = 2.0 * (1.0 - centre);
    return 0;
}

/* ---------------------------------------------------------------------------------------------------------
 * The list
 * ------------------------------------------------------------------------------------------------------- */

typedef struct q_row {
    const char *product_id, *description, *category;   /* description / category may be NULL */
    int64_t n, k;
    double raw, shrunk, lo, hi;
} q_row;

static int cmp_rows(const void *a, const void *b) {
    const q_row *x = a, *y = b;
    if (x->shrunk != y->shrunk) return x->shrunk > y->shrunk ? -1 : 1;
    return strcmp(x->product_id, y->product_id);
}

/* "%.6f" that ignores the locale an embedding program may have set: the decimal separator is always '.'. */
static void fmt6(double v, char *buf, size_t size) {
    snprintf(buf, size, "%.6f", v);
    for (char *p = buf; *p; p++)
        if (!(*p >= '0' && *p <= '9') && *p != '-') *p = '.';
}

static void csv_text(FILE *f, const char *s) {
    if (!s) return;
    if (!strpbrk(s, ",\"\r\n")) { fputs(s, f); return; }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static as_status write_csv(const char *path, const q_row *rows, size_t n, as_error *err) {
    FILE *f = fopen(path, "wb");
    if (!f) return as__err(err, AS_ERR_IO, "cannot create %s: %s", path, strerror(errno));
    fputs("rank,product_id,description,category,sales,returns,raw_rate,shrunk_rate,wilson_low,wilson_high\n", f);
    char a[32], b[32], c[32], d[32];
    for (size_t i = 0; i < n; i++) {
        const q_row *r = &rows[i];
        fprintf(f, "%zu,", i + 1);
        csv_text(f, r->product_id);
        fputc(',', f);
        csv_text(f, r->description);
        fputc(',', f);
        csv_text(f, r->category);
        fmt6(r->raw, a, sizeof a);
        fmt6(r->shrunk, b, sizeof b);
        fmt6(r->lo, c, sizeof c);
        fmt6(r->hi, d, sizeof d);
        fprintf(f, ",%lld,%lld,%s,%s,%s,%s\n", (long long)r->n, (long long)r->k, a, b, c, d);
    }
    int bad = ferror(f);
    if (fclose(f) != 0) bad = 1;
    if (bad) return as__err(err, AS_ERR_IO, "cannot write %s: %s; check the free disk space", path, strerror(errno));
    return AS_OK;
}

static as_status write_table(as_db *db, const q_row *rows, size_t n, as_error *err) {
    /* A savepoint nests inside a caller's transaction and is its own transaction otherwise. The table is
     * dropped and created again (not just emptied) so an older layout never survives an upgrade. */
    as_status st = as__db_exec(db,
        "SAVEPOINT as_quality; DROP TABLE IF EXISTS quality;"
        " CREATE TABLE quality(rank INTEGER PRIMARY KEY, product_id TEXT NOT NULL, description TEXT,"
        " category TEXT, sales INTEGER NOT NULL, returns INTEGER NOT NULL, raw_rate REAL, shrunk_rate REAL,"
        " wilson_low REAL, wilson_high REAL);", err);
    if (st) { as__db_exec(db, "ROLLBACK TO as_quality; RELEASE as_quality;", NULL); return st; }
    sqlite3_stmt *ins = NULL;
    st = as__db_prepare(db, "INSERT INTO quality VALUES(?,?,?,?,?,?,?,?,?,?)", &ins, err);
    for (size_t i = 0; i < n && !st; i++) {
        const q_row *r = &rows[i];
        sqlite3_bind_int64(ins, 1, (sqlite3_int64)(i + 1));
        sqlite3_bind_text(ins, 2, r->product_id, -1, SQLITE_STATIC);
        if (r->description) sqlite3_bind_text(ins, 3, r->description, -1, SQLITE_STATIC);
        else sqlite3_bind_null(ins, 3);
        if (r->category) sqlite3_bind_text(ins, 4, r->category, -1, SQLITE_STATIC);
        else sqlite3_bind_null(ins, 4);
        sqlite3_bind_int64(ins, 5, r->n);
        sqlite3_bind_int64(ins, 6, r->k);
        sqlite3_bind_double(ins, 7, r->raw);
        sqlite3_bind_double(ins, 8, r->shrunk);
        sqlite3_bind_double(ins, 9, r->lo);
        sqlite3_bind_double(ins, 10, r->hi);
        if (sqlite3_step(ins) != SQLITE_DONE)
            st = as__err(err, AS_ERR_DB, "%s: writing table quality: %s", db->path, sqlite3_errmsg(db->sql));
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    if (!st) st = as__db_exec(db, "RELEASE as_quality;", err);
    if (st) as__db_exec(db, "ROLLBACK TO as_quality; RELEASE as_quality;", NULL);
    return st;
}

/* Reads every product with sales: one aggregate query, no per-product look-ups. */
static as_status load_counts(as_db *db, as_arena *arena, q_row **out, size_t *n_out, as_error *err) {
    static const char *const sql =
        "SELECT s.product_id, p.description, p.category, s.n, COALESCE(c.k, 0)"
        " FROM (SELECT product_id, COUNT(*) AS n FROM order_lines WHERE quantity > 0 GROUP BY product_id) s"
        " LEFT JOIN (SELECT product_id, COUNT(*) AS k FROM cases WHERE product_id IS NOT NULL"
        "            GROUP BY product_id) c ON c.product_id = s.product_id"
        " LEFT JOIN products p ON p.product_id = s.product_id";
    sqlite3_stmt *st = NULL;
    as_status rc = as__db_prepare(db, sql, &st, err);
    if (rc) return rc;
    q_row *rows = NULL;
    size_t n = 0, cap = 0;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 1024;
            q_row *p = as__reallocarray(rows, ncap, sizeof *p);
            if (!p) { rc = as__err(err, AS_ERR_NOMEM, "out of memory for the quality list"); break; }
            rows = p;
            cap = ncap;
        }
        q_row *r = &rows[n];
        memset(r, 0, sizeof *r);
        const char *text[3];
        for (int j = 0; j < 3; j++) {
            const unsigned char *t = sqlite3_column_text(st, j);
            text[j] = t ? as__arena_strndup(arena, (const char *)t, (size_t)sqlite3_column_bytes(st, j)) : NULL;
            if (t && !text[j]) rc = as__err(err, AS_ERR_NOMEM, "out of memory for the quality list");
        }
        if (rc) break;
        r->product_id = text[0];
        r->description = text[1];
        r->category = text[2];
        r->n = sqlite3_column_int64(st, 3);
        r->k = sqlite3_column_int64(st, 4);
        if (r->k > r->n) r->k = r->n;
        n++;
    }
    if (!rc && step != SQLITE_DONE)
        rc = as__err(err, AS_ERR_DB, "%s: counting sales and cases: %s", db->path, sqlite3_errmsg(db->sql));
    sqlite3_finalize(st);
    if (rc) { as__free(rows); return rc; }
    *out = rows;
    *n_out = n;
    return AS_OK;
}

as_status as_quality(as_db *db, const as_quality_params *params, as_quality_stats *stats, as_error *err) {
    as_quality_params p = params ? *params : as_quality_params_default();
    if (stats) memset(stats, 0, sizeof *stats);
    if (!db) return as__err(err, AS_ERR_INVALID, "no database given to the quality step");

    /* Nothing to rank without purchases: say which step is missing rather than write an empty list. */
    sqlite3_stmt *st = NULL;
    as_status rc = as__db_prepare(db, "SELECT EXISTS(SELECT 1 FROM order_lines WHERE quantity > 0)", &st, err);
    if (rc) return rc;
    int have = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (!have)
        return as__err(err, AS_ERR_STATE, "%s has no purchase lines (order_lines is empty); ingest data first: "
                       "aftersales ingest --db %s FILE", db->path, db->path);

    as_arena arena;
    as__arena_init(&arena, 1 << 16);
    q_row *rows = NULL;
    size_t n = 0;
    as_quality_count *counts = NULL;
    rc = load_counts(db, &arena, &rows, &n, err);
    if (!rc) {
        counts = as__malloc((n ? n : 1) * sizeof *counts);
        if (!counts) rc = as__err(err, AS_ERR_NOMEM, "out of memory for the quality list");
    }
    if (!rc) {
        /* The prior describes all products with sales; min_sales only decides which are listed. */
        double N = 0, K = 0, alpha, beta;
        for (size_t i = 0; i < n; i++) {
            counts[i].n = rows[i].n;
            counts[i].k = rows[i].k;
            N += (double)rows[i].n;
            K += (double)rows[i].k;
        }
        as__beta_prior_fit(counts, n, &alpha, &beta);
        size_t kept = 0;
        for (size_t i = 0; i < n; i++) {
            q_row r = rows[i];
            if (r.n < p.min_sales) continue;
            r.raw = (double)r.k / (double)r.n;
            r.shrunk = ((double)r.k + alpha) / ((double)r.n + alpha + beta);
            as__wilson(r.k, r.n, AS_Z95, &r.lo, &r.hi);
            rows[kept++] = r;
        }
        qsort(rows, kept, sizeof *rows, cmp_rows);
        rc = write_table(db, rows, kept, err);
        if (!rc && p.out_csv) rc = write_csv(p.out_csv, rows, kept, err);
        if (!rc && stats) {
            stats->products = (int64_t)kept;
            stats->prior_alpha = alpha;
            stats->prior_beta = beta;
            stats->overall_rate = N > 0 ? K / N : 0.0;
        }
    }
    as__free(counts);
    as__free(rows);
    as__arena_free(&arena);
    return rc;
}
