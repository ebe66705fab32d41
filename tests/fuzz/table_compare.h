/* Compares two tables cell by cell (used by tests/unit/test_table.c and tests/fuzz/fuzz_table_blocks.c): the
 * block reader must give the record reader's table exactly — names, types, counts, numbers to the bit (NaN
 * where missing), text byte for byte. */
#ifndef AS_TABLE_COMPARE_H
#define AS_TABLE_COMPARE_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "table/table.h"

/* 0 when a and b are the same table; otherwise 1, with the first difference described in why. */
static inline int table_diff(const as_table *a, const as_table *b, char *why, size_t size) {
    if (a->nrows != b->nrows || a->ncols != b->ncols) {
        snprintf(why, size, "shape %zu x %zu against %zu x %zu", a->nrows, a->ncols, b->nrows, b->ncols);
        return 1;
    }
    for (size_t j = 0; j < a->ncols; j++) {
        const as_column *x = &a->cols[j], *y = &b->cols[j];
        if (strcmp(x->name, y->name) != 0) { snprintf(why, size, "column %zu named %s / %s", j, x->name, y->name); return 1; }
        if (x->type != y->type || x->from_bool != y->from_bool) {
            snprintf(why, size, "column %s: type %d/%d, from_bool %d/%d", x->name, (int)x->type, (int)y->type,
                     x->from_bool, y->from_bool);
            return 1;
        }
        if (x->n_missing != y->n_missing || x->n_soft_missing != y->n_soft_missing) {
            snprintf(why, size, "column %s: missing %zu/%zu, soft %zu/%zu", x->name, x->n_missing, y->n_missing,
                     x->n_soft_missing, y->n_soft_missing);
            return 1;
        }
        if ((x->num == NULL) != (y->num == NULL) || (x->text == NULL) != (y->text == NULL)) {
            snprintf(why, size, "column %s: storage differs", x->name);
            return 1;
        }
        for (size_t i = 0; i < a->nrows; i++) {
            if (x->num) {
                double u = x->num[i], v = y->num[i];
                if (isnan(u) != isnan(v) || (!isnan(u) && memcmp(&u, &v, sizeof u) != 0)) {
                    snprintf(why, size, "column %s row %zu: %.17g / %.17g", x->name, i, u, v);
                    return 1;
                }
            } else {
                const char *u = x->text[i], *v = y->text[i];
                if ((u == NULL) != (v == NULL) || (u && strcmp(u, v) != 0)) {
                    snprintf(why, size, "column %s row %zu: '%s' / '%s'", x->name, i, u ? u : "(null)", v ? v : "(null)");
                    return 1;
                }
            }
        }
    }
    return 0;
}

#endif
