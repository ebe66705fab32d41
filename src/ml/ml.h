/*
 * ml — the numerical core: reproducible splits, preprocessing, logistic regression, boosted trees, metrics,
 * decisions. Matrices are dense, row-major, double: X[i * p + j] is row i, column j.
 * Every routine here is pure computation over caller-owned arrays: no I/O, no globals.
 * Definitions follow scikit-learn unless a comment says otherwise.
 */
#ifndef AS_ML_H
#define AS_ML_H

#include "ml/split.h"
#include "ml/prep.h"
#include "ml/logreg.h"
#include "ml/metrics.h"
#include "ml/decision.h"
#include "ml/gbdt.h"

#endif
