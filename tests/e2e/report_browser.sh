#!/usr/bin/env bash
# The demo's HTML report rendered in headless Chromium (tests/browser/check_report.py): every section present,
# the key figures, chart marks and table rows as the database says, no console errors, nothing outside the file
# requested, no personal data of the simulated customers on the page, printable to PDF. Also the file itself:
# no remote URL in src/href, no <script>, under 2 MB.
set -euo pipefail
bin=${AS_BIN:?AS_BIN must name the aftersales binary}
src=${AS_SOURCE_DIR:?AS_SOURCE_DIR must name the source folder}
py=/usr/bin/python3   # Debian's python3, where python3-websocket lives
if [ ! -x /usr/bin/chromium ] || ! "$py" -c 'import websocket' 2> /dev/null; then
  echo "skipped: needs Debian's chromium and python3-websocket (scripts/install-deps.sh test installs them)"
  exit 77
fi
if ! "$bin" report --help > /dev/null 2>&1; then
  echo "skipped: this aftersales has no report command"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The checker's browser profile goes under $TMPDIR: here, so even a killed run leaves nothing behind.
export TMPDIR=$work
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $1 ($2)"; fi; }
started=$(date +%s.%N)

"$bin" demo --out "$work/demo" --quiet > "$work/demo.txt"
report=$work/demo/report.html db=$work/demo/shop.db
check "demo wrote report.html" "[ -s '$report' ]"
if [ ! -s "$report" ]; then
  cat "$work/demo.txt"
  echo "$pass passed, $fail failed"
  exit 1
fi

# The file itself.
remote_url() {
  grep -Eiq "(src|srcset|href)[[:space:]]*=[[:space:]]*[\"']?[[:space:]]*(https?:)?//|url\([[:space:]]*[\"']?[[:space:]]*(https?:)?//" "$report"
}
check "no http:// or https:// URL in a src or href attribute" "! remote_url"
check "no <script in the file" "! grep -iq '<script' '$report'"
size=$(stat -c %s "$report")
check "report.html is under 2 MB ($size bytes)" "[ $size -lt 2097152 ]"

# What the page must show. From the database (sqlite3 CLI): one line "what name number" each.
q() { sqlite3 -batch -noheader -separator ' ' "$db" "$1"; }
{
  q "SELECT 'kpi lines', COUNT(*) FROM order_lines WHERE quantity > 0"
  for t in orders customers products cases; do q "SELECT 'kpi $t', COUNT(*) FROM $t"; done
  q "SELECT 'kpi return_rate', AVG(label) FROM features WHERE label IS NOT NULL HAVING COUNT(*) > 0"
  q "SELECT 'kpi return_cost', SUM(ABS(amount)) FROM cases WHERE amount IS NOT NULL
     HAVING SUM(amount <> 0) > 0"
  # open orders: placed after the last labelled purchase, with no case yet — none naming the order, and none of
  # its customer about one of its products since it was placed (cases that name no order); the 20 riskiest listed
  q "SELECT 'kpi open_orders', COUNT(DISTINCT f.order_id) FROM features f
     WHERE f.ordered_at > (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'build_label_until')
       AND f.order_id NOT IN (SELECT order_id FROM cases WHERE order_id IS NOT NULL)
       AND NOT EXISTS (SELECT 1 FROM orders o JOIN order_lines l ON l.order_id = o.order_id JOIN cases k
                       ON k.order_id IS NULL AND k.customer_id = o.customer_id AND k.product_id = l.product_id
                       AND k.opened_at >= o.ordered_at WHERE o.order_id = f.order_id)" > "$work/open.txt"
  cat "$work/open.txt"
  open=$(cut -d' ' -f3 "$work/open.txt")
  [ "$open" -eq 0 ] || echo "table orders-table $((open < 20 ? open : 20))"
  q "SELECT 'table alerts-table', MIN(COUNT(*), 25) FROM alerts"          # the 25 top-ranked alerts
  q "SELECT 'table rejects-table', MIN(COUNT(*), 30) FROM (SELECT 1 FROM rejects GROUP BY source, reason)"
  # missing values: one row per checked field of a table that has rows
  q "SELECT 'table missing-table', (SELECT COUNT(*) > 0 FROM orders) * 3 + (SELECT COUNT(*) > 0 FROM order_lines)
     + (SELECT COUNT(*) > 0 FROM products) * 2 + (SELECT COUNT(*) > 0 FROM cases) * 3"
  # the trend: one point per week (when the first order and the last labelled purchase are at most 183 days
  # apart) or month, for the shop (every period with a labelled line) and its four largest categories (periods
  # with at least 20 lines)
  q "WITH f AS (SELECT ordered_at AS t, category FROM features WHERE label IS NOT NULL),
          p AS (SELECT CASE WHEN (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'build_label_until')
                                 - (SELECT MIN(ordered_at) FROM orders) <= 183 * 86400
                            THEN t / 86400 - (t / 86400 + 3) % 7 ELSE strftime('%Y-%m', t, 'unixepoch') END AS per,
                       category FROM f),
          cats AS (SELECT category, COUNT(*) AS n FROM f WHERE category IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5),
          top AS (SELECT category FROM cats WHERE (SELECT COUNT(*) FROM cats) >= 2 ORDER BY n DESC, category LIMIT 4)
     SELECT 'chart trend', (SELECT COUNT(DISTINCT per) FROM p)
       + (SELECT COUNT(*) FROM (SELECT 1 FROM p JOIN top USING (category) GROUP BY category, per HAVING COUNT(*) >= 20))
     WHERE EXISTS (SELECT 1 FROM f)"
  # the funnel plots: the peer groups (window, signal, baseline) of the three top-ranked product alerts, each
  # product of the group with sales a point (at most 2500), flagged ones marked
  q "WITH g AS (SELECT window, signal, baseline, MIN(rank) AS r FROM alerts WHERE kind = 'product'
                GROUP BY window, signal, baseline ORDER BY r LIMIT 3)
     SELECT 'funnel', COUNT(u.unit_id), COALESCE(SUM(u.flagged <> 0), 0) FROM g LEFT JOIN quality_units u
       ON u.kind = 'product' AND u.window = g.window AND u.signal = g.signal AND u.baseline = g.baseline AND u.sales > 0
     GROUP BY g.r ORDER BY g.r" | awk '{ id = NR == 1 ? "funnel" : "funnel-" NR; if ($2 > 0) {
       print "chart", id, ($2 < 2500 ? $2 : 2500); print "flagged", id, ($3 < 2500 ? $3 : 2500) } }'
} > "$work/expect.txt"
q "SELECT unit_id FROM alerts ORDER BY rank LIMIT 25" > "$work/alerts.txt"
# From metrics.json and model.json (python): the model's figures and chart points. From the simulated shop: every
# customer's raw name, e-mail, phone and street, and every e-mail address and phone number written into the free
# texts of cases and reviews (the report quotes customers' texts): none may appear on the page or in its source.
"$py" - "$work" << 'PY'
import csv, json, math, re, sys
work = sys.argv[1]
expect = {"kpis": {}, "charts": {}, "flagged": {}, "tables": {}, "missing": []}
group = {"kpi": "kpis", "chart": "charts", "flagged": "flagged", "table": "tables"}
for line in open(work + "/expect.txt"):
    what, name, value = line.split()
    expect[group[what]][name] = int(value) if value.lstrip("-").isdigit() else float(value)
m = json.load(open(work + "/demo/metrics.json"))
test = m["test"]
for k in ("roc_auc", "pr_auc", "precision_top5", "log_loss", "brier"):
    if isinstance(test.get(k), (int, float)):
        expect["kpis"][k] = test[k]
num = lambda v: isinstance(v, (int, float)) and math.isfinite(v)
curves = m.get("curves", {}).get("test")
if curves:
    expect["charts"]["roc"] = min(256, sum(num(x) and num(y) for x, y in curves["roc"]))
    expect["charts"]["pr"] = min(256, sum(num(x) and num(y) for x, y in curves["pr"]))
    expect["charts"]["topk"] = sum(map(num, curves["top_k_precision"][:20]))
    expect["charts"]["calibration"] = sum(num(b.get("count")) and b["count"] > 0 and num(b.get("mean_predicted"))
                                          and num(b.get("fraction_positive")) for b in test["calibration"])
model = json.load(open(work + "/demo/model.json"))
if model["model"] == "logistic_regression" and not model["pca_components"] and model["coef_rows"] == 1:
    expect["charts"]["drivers"] = min(15, sum(c != 0 for c in model["coef"]))   # the 15 largest coefficients
absent = {r[col] for r in csv.DictReader(open(work + "/demo/shop/customers.csv", encoding="utf-8"))
          for col in ("name", "email", "phone", "street") if r[col]}
pii = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\+\d[\d ]{7,}\d")
for f, col in (("cases.csv", "reason"), ("reviews.csv", "text")):
    for r in csv.DictReader(open(f"{work}/demo/shop/{f}", encoding="utf-8")):
        absent.update(pii.findall(r[col] or ""))
expect["text_absent"] = sorted(absent)
expect["text_present"] = open(work + "/alerts.txt", encoding="utf-8").read().splitlines()
json.dump(expect, open(work + "/expect.json", "w"), indent=1)
print("expected:", json.dumps({k: v for k, v in expect.items() if not k.startswith("text")}),
      f"{len(absent)} personal strings absent, {len(expect['text_present'])} alerted units shown")
PY

# The rendered page.
set +e
"$py" "$src/tests/browser/check_report.py" "$report" --expect "$work/expect.json" --pdf "$work/report.pdf" \
  > "$work/browser.txt" 2>&1
rc=$?
set -e
cat "$work/browser.txt"
summary=$(tail -n 1 "$work/browser.txt")
if [[ $summary =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
  pass=$((pass + BASH_REMATCH[1])) fail=$((fail + BASH_REMATCH[2]))
  check "check_report.py exits 0 (got $rc)" "[ $rc -eq 0 ]"
else
  check "check_report.py ran (exit status $rc)" "false"
fi
awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "report_browser took %.1f s\n", b - a }'
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
