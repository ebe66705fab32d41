#!/usr/bin/env bash
# Personal data never leaks: a simulated shop whose customers.csv carries name, email, phone and street columns
# (distinctive values added here, plus malformed rows holding personal values) and whose case reasons and
# reviews hold e-mail addresses and phone numbers goes through ingest → build → train → score → quality. No raw
# value of a personal column and no scrubbed e-mail or phone number may appear in any output: the database
# (sqlite3 .dump, rejects included), the model, metrics, score and quality files, and the captured stdout and
# stderr of every command. Also: the key file is private, pseudonyms are stable under the same key and differ
# under another, and a key readable by others is warned about.
set -euo pipefail
bin=${AS_BIN:?AS_BIN must name the aftersales binary}
py=/usr/bin/python3
[ -x "$py" ] || py=python3
command -v sqlite3 > /dev/null || { echo "SKIP: the sqlite3 shell is needed to dump the database"; exit 77; }
work=$(mktemp -d)
trap '[ -n "${AS_KEEP:-}" ] || rm -rf "$work"' EXIT
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $1 ($2)"; fi; }
out="$work/out"
mkdir -p "$out" "$work/logs"
# run NAME CMD...: runs the tool, keeping its stdout and stderr as outputs to search.
run() { local name=$1; shift; "$bin" "$@" > "$work/logs/$name.out" 2> "$work/logs/$name.err"; }

run simulate simulate --out "$work/shop" --seed 11 --lines 2500 --customers 250 --products 50 --days 400

# customers.csv with personal columns: the simulator writes name, email, phone and street; when it does not
# (an older build), they are made up here. Then a few customers with distinctive values, and malformed rows
# holding personal values: one with the wrong number of fields, one with a first_seen that does not parse.
"$py" - "$work/shop" <<'EOF'
import csv, os, sys
shop = sys.argv[1]
path = os.path.join(shop, "customers.csv")
rows = list(csv.reader(open(path, newline="", encoding="utf-8")))
head, body = rows[0], rows[1:]
for col in ("name", "email", "phone", "street"):
    if col not in head:
        head.append(col)
        for i, r in enumerate(body):
            r.append({"name": f"Leakcheck Person{i:04d}", "email": f"leakcheck.person{i:04d}@example.org",
                      "phone": f"+44 20 7946 {i:04d}", "street": f"{i + 1} Leakcheck Road"}[col])
ix = {c: head.index(c) for c in head}
def row(cid, first_seen, name, email, phone, street):
    r = [""] * len(head)
    r[ix["customer_id"]] = cid
    if "country" in ix: r[ix["country"]] = "GB"
    if "first_seen" in ix: r[ix["first_seen"]] = first_seen
    r[ix["name"]], r[ix["email"]], r[ix["phone"]], r[ix["street"]] = name, email, phone, street
    return r
body.append(row("ZQ0001", "2021-02-03 10:00:00", "Zyxwvut Quorrelby", "zyxwvut.quorrelby@leak.example",
                "+44 161 496 0321", "99 Quorrelby Crescent"))
body.append(row("ZQ0002", "2021-02-04 11:00:00", "Ysolde Barnacott", "ysolde.b@leak.example",
                "(11) 98765-4321", "12 Rua Barnacott"))
# a first_seen that does not parse: the row is rejected, its personal fields must not be stored
body.append(row("ZQ0003", "someday", "Xanthe Mordwell", "xanthe.mordwell@leak.example", "0151 496 0123",
                "7 Mordwell Gardens"))
with open(path, "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(head)
    w.writerows(body)
    # the wrong number of fields: cannot be split into the header's columns
    f.write("ZQ0004,GB,Wilhelmina Quagsworth,wilhelmina.q@leak.example,+44 113 496 0777,3 Quagsworth Close,extra,more\n")
    # a stray quote
    f.write('ZQ0005,GB,"Tobiah Umbersley,tobiah.u@leak.example,07700 900461,5 Umbersley Way\n')

# case reasons with an e-mail address and a phone number, one of them in a malformed row
path = os.path.join(shop, "cases.csv")
rows = list(csv.reader(open(path, newline="", encoding="utf-8")))
head, body = rows[0], rows[1:]
ri = head.index("reason")
body[0][ri] = "too small, write to quentin.vallory@leak.example please"
body[1][ri] = "stopped working, call me on +44 20 7946 0958"
body[2][ri] = "arrived late; my number is (21) 99876-5432"
with open(path, "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(head)
    w.writerows(body)
    bad = list(body[3])
    bad[ri] = "broken, reach me at rupert.saltmarsh@leak.example or +44 20 7946 0111"
    f.write(",".join(bad + ["one field too many"]) + "\n")
EOF

# Every raw personal value: all values of the personal columns (the malformed rows' values included), and every
# e-mail address and phone number inside the free text, taken from the inputs independently of the scrubber.
"$py" - "$work/shop" "$work/secrets.txt" <<'EOF'
import csv, os, re, sys
shop, dest = sys.argv[1], sys.argv[2]
secrets = set()
with open(os.path.join(shop, "customers.csv"), newline="", encoding="utf-8") as f:
    head = f.readline().rstrip("\n").split(",")
    cols = [i for i, c in enumerate(head) if c in ("name", "email", "phone", "street")]
    for line in f:
        for r in csv.reader([line]):
            if len(r) == len(head):
                secrets.update(r[i] for i in cols)
            else:   # malformed rows: every field that is not the id, the country or the junk we added
                secrets.update(v.strip('"\n') for v in line.split(",")[2:6])
email = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
phone = re.compile(r"(?:\+\d{1,3}[ -]?)?(?:\(\d{1,4}\) ?)?\d{2,5}(?:[ -]\d{2,5}){1,4}")
for name in ("cases.csv", "reviews.csv", "products.csv"):
    p = os.path.join(shop, name)
    if not os.path.exists(p):
        continue
    text = open(p, encoding="utf-8").read()
    secrets.update(email.findall(text))
    for m in phone.findall(text):
        if sum(ch.isdigit() for ch in m) >= 8 and not re.match(r"\d{4}-\d{2}-\d{2}", m):
            secrets.add(m.strip())
secrets = sorted({v.strip() for v in secrets} - {""})
secrets = [v for v in secrets if len(v) >= 6 and "\n" not in v]
open(dest, "w", encoding="utf-8").write("\n".join(secrets) + "\n")
print(len(secrets), "distinct personal values to look for")
EOF
n_secrets=$(wc -l < "$work/secrets.txt")
check "enough personal values to look for (got $n_secrets)" '[ "$n_secrets" -gt 700 ]'
for v in "Zyxwvut Quorrelby" "xanthe.mordwell@leak.example" "0151 496 0123" "Wilhelmina Quagsworth" \
         "07700 900461" "quentin.vallory@leak.example" "+44 20 7946 0958" "(21) 99876-5432" \
         "rupert.saltmarsh@leak.example"; do
  check "secret list holds '$v'" 'grep -qxF -- "$v" "$work/secrets.txt"'
done

db="$out/shop.db"
run ingest ingest --preset canonical --db "$db" "$work/shop"
cat "$work/logs/ingest.out"
check "the key file was created beside the database" '[ -f "$db.key" ]'
check "the key file is private (mode 600)" '[ "$(stat -c %a "$db.key")" = 600 ]'
check "the summary says the key was created and must stay private" 'grep -q "created; keep it private" "$work/logs/ingest.out"'
check "personal values were dropped" 'grep -Eq "values dropped +[1-9]" "$work/logs/ingest.out"'
check "e-mails and phones were scrubbed" 'grep -Eq "e-mails/phones scrubbed +[1-9]" "$work/logs/ingest.out"'
q() { sqlite3 "$db" "$1"; }
check "the malformed rows were rejected" '[ "$(q "SELECT count(*) FROM rejects WHERE source IN (\"customers.csv\", \"cases.csv\")")" -ge 3 ]'
check "the unsplittable reject keeps its id but withholds the rest" '[ "$(q "SELECT count(*) FROM rejects WHERE raw LIKE \"ZQ0004,[withheld],[withheld],%\"")" -eq 1 ]'
check "the splittable reject shows its personal fields as dropped" '[ "$(q "SELECT count(*) FROM rejects WHERE raw LIKE \"%ZQ0003%[dropped]%\"")" -eq 1 ]'
check "scrubbed reasons hold pseudonyms" '[ "$(q "SELECT count(*) FROM cases WHERE reason GLOB \"*px[0-9a-f][0-9a-f]*\"")" -ge 3 ]'
check "a scrubbed reason keeps its class" '[ "$(q "SELECT reason_class FROM cases WHERE reason LIKE \"stopped working, call me on px%\"")" = defective ]'

run build build --db "$db"
run train train --db "$db" --out "$out/model.json"
run score score --db "$db" --model "$out/model.json" --out-lines "$out/lines.csv" --out-orders "$out/orders.csv"
run quality quality --db "$db" --out "$out/quality.csv"
run ingest_again ingest --preset canonical --db "$db" "$work/shop"
check "loading again adds nothing" 'grep -Eq "^  loaded +0$" "$work/logs/ingest_again.out"'
check "reviews are not doubled by loading again" '[ ! -f "$work/shop/reviews.csv" ] || [ "$(q "SELECT count(*) FROM reviews")" -eq "$(($(wc -l < "$work/shop/reviews.csv") - 1))" ]'
check "carrier, status, seller and freight are loaded" '[ "$(q "SELECT (SELECT count(*) FROM orders WHERE carrier IS NOT NULL AND status IS NOT NULL) > 0 AND (SELECT count(*) FROM order_lines WHERE seller_id IS NOT NULL AND freight IS NOT NULL) > 0")" = 1 ]'
check "every case with a reason has a reason class" '[ "$(q "SELECT count(*) FROM cases WHERE reason IS NOT NULL AND reason_class IS NULL")" -eq 0 ]'
for step in build train score quality; do
  check "$step wrote its output" '[ -s "$work/logs/$step.out" ]'
done
check "model and metrics written" '[ -s "$out/model.json" ] && [ -s "$out/metrics.json" ]'
check "scores and quality list written" '[ -s "$out/lines.csv" ] && [ -s "$out/quality.csv" ]'

# Everything that came out, except the key itself.
sqlite3 "$db" .dump > "$work/dump.sql"
check "the dump holds the data" '[ "$(grep -c "INSERT INTO" "$work/dump.sql")" -gt 3000 ]'
find "$out" -type f ! -name '*.key' > "$work/outputs.txt"
echo "$work/dump.sql" >> "$work/outputs.txt"
find "$work/logs" -type f >> "$work/outputs.txt"
echo "searching $(wc -l < "$work/outputs.txt") output files for $n_secrets personal values"
leaks=0
while read -r f; do
  if grep -aF -f "$work/secrets.txt" -- "$f" > "$work/hits" 2>/dev/null; then
    leaks=$((leaks + 1))
    echo "LEAK in $f:"; grep -aoF -f "$work/secrets.txt" -- "$f" | sort | uniq -c | head -n 5
  fi
done < "$work/outputs.txt"
check "no raw personal value in any output file" '[ "$leaks" -eq 0 ]'
# the search itself works: the inputs do hold the values
check "the search finds the values in the input" 'grep -qF -f "$work/secrets.txt" "$work/shop/customers.csv"'

# Pseudonyms: the same key gives the same pseudonyms in another database, another key different ones.
run ingest_same ingest --preset canonical --db "$work/same.db" --key-file "$db.key" "$work/shop"
run ingest_other ingest --preset canonical --db "$work/other.db" "$work/shop"
reasons() { sqlite3 "$1" "SELECT case_id || ' ' || reason FROM cases WHERE reason LIKE '%px%' ORDER BY case_id"; }
check "same key: same pseudonyms" '[ -n "$(reasons "$db")" ] && [ "$(reasons "$db")" = "$(reasons "$work/same.db")" ]'
check "same key: no new key file" '[ ! -e "$work/same.db.key" ]'
check "another key: other pseudonyms" '[ -n "$(reasons "$work/other.db")" ] && [ "$(reasons "$db")" != "$(reasons "$work/other.db")" ]'
check "another key: the same texts around them" '[ "$(reasons "$db" | sed "s/px[0-9a-f]*/P/g")" = "$(reasons "$work/other.db" | sed "s/px[0-9a-f]*/P/g")" ]'
check "same key: the same rejects" '[ "$(sqlite3 "$db" "SELECT raw FROM rejects ORDER BY source, line")" = "$(sqlite3 "$work/same.db" "SELECT raw FROM rejects ORDER BY source, line")" ]'

# A key readable by others is used, with a warning.
chmod 644 "$db.key"
run ingest_readable ingest --preset canonical --db "$work/readable.db" --key-file "$db.key" "$work/shop"
check "a key readable by others is warned about" 'grep -q "can be read by other users" "$work/logs/ingest_readable.err"'
check "... and still used" '[ "$(reasons "$db")" = "$(reasons "$work/readable.db")" ]'
# A damaged key is refused with a clear message, and the database is not created.
echo "not a key" > "$work/bad.key"
if "$bin" ingest --preset canonical --db "$work/bad.db" --key-file "$work/bad.key" "$work/shop" > /dev/null 2> "$work/bad.err"; then
  fail=$((fail + 1)); echo "FAILED: a damaged key file was accepted"
else
  pass=$((pass + 1))
fi
check "the damaged key is named with what a key looks like" 'grep -q "64 hex digits" "$work/bad.err" && grep -q "bad.key" "$work/bad.err"'
check "no database is left behind after the refused key" '[ ! -e "$work/bad.db" ]'
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
