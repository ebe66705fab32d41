#!/usr/bin/env python3
"""Scores quality alerts against the simulated shop's planted truth (standard library only).

Usage: quality_score.py ALERTS_CSV TRUTH_PRODUCTS_CSV [--json]

Prints one line of figures: planted defective products, product alerts, recall (planted ones flagged), false-alert
share (flagged products that are not planted), onset error (days, |alert onset - planted onset|) as median and as the
share within 14 days. Detection and onset are judged on product alerts only; supplier, seller and category alerts
have no planted truth.
"""
import csv
import datetime
import json
import sys


def day(text):
    return datetime.date.fromisoformat(text[:10])


def score(alerts_csv, truth_csv):
    truth = {}
    with open(truth_csv, newline="") as f:
        for row in csv.DictReader(f):
            if row["defective"] == "1":
                truth[row["product_id"]] = day(row["onset"])
    flagged = {}
    with open(alerts_csv, newline="") as f:
        for row in csv.DictReader(f):
            if row["kind"] == "product":
                flagged[row["unit_id"]] = day(row["onset_date"]) if row["onset_date"] else None
    hits = [p for p in flagged if p in truth]
    errors = sorted(abs((flagged[p] - truth[p]).days) for p in hits if flagged[p] is not None)
    undated = sum(1 for p in hits if flagged[p] is None)
    within = sum(1 for e in errors if e <= 14)
    return {
        "planted": len(truth),
        "flagged": len(flagged),
        "hits": len(hits),
        "recall": len(hits) / len(truth) if truth else float("nan"),
        "false_share": (len(flagged) - len(hits)) / len(flagged) if flagged else 0.0,
        "onset_within_14d": within / len(hits) if hits else float("nan"),
        "onset_median_days": errors[len(errors) // 2] if errors else float("nan"),
        "undated": undated,
        "missed": sorted(p for p in truth if p not in flagged),
        "false": sorted(p for p in flagged if p not in truth),
    }


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    s = score(sys.argv[1], sys.argv[2])
    if "--json" in sys.argv[3:]:
        print(json.dumps(s))
    else:
        print("planted %d, flagged %d, recall %.3f, false share %.3f, onset within 14 d %.3f (median %s d)"
              % (s["planted"], s["flagged"], s["recall"], s["false_share"], s["onset_within_14d"],
                 s["onset_median_days"]))
