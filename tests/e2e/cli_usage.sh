#!/usr/bin/env bash
# The command-line contract of `aftersales`: every command has --help with an example, and usage and I/O
# errors give the documented exit codes (0 ok, 1 runtime, 2 usage, 3 input data, 4 I/O) with a message
# that names the problem. Nearly every case here is decided by the tool before real work starts, so no data is
# needed; the few that need the library (ingest warnings, cleanup after a failed step) run on tiny files
# written below.
#
# ctest runs it as `bash cli_usage.sh` with AS_BIN = the built CLI.
set -u

BIN="${AS_BIN:-}"
if [ -z "$BIN" ] || [ ! -x "$BIN" ]; then
    echo "cli_usage: AS_BIN must name the built aftersales executable (got '${BIN}')"
    exit 1
fi
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1   # commands default to ./shop.db: keep whatever they might create out of the tree
mkdir -p io

pass=0
fail=0
rc=0

# run ARGS...: runs the CLI, keeps stdout / stderr in files and the exit code in $rc.
run() {
    "$BIN" "$@" >io/out 2>io/err
    rc=$?
}

failed() {
    fail=$((fail + 1))
    echo "FAIL: $1"
    echo "  stdout: $(head -c 600 io/out)"
    echo "  stderr: $(head -c 600 io/err)"
}

# expect CODE DESCRIPTION ARGS...
expect() {
    local want=$1 desc=$2
    shift 2
    run "$@"
    if [ "$rc" -eq "$want" ]; then
        pass=$((pass + 1))
    else
        failed "$desc: 'aftersales $*' exited $rc, expected $want"
    fi
}

# contains FILE TEXT DESCRIPTION: the last run's stdout or stderr (io/out, io/err) contains TEXT.
contains() {
    if grep -qF -- "$2" "$1"; then
        pass=$((pass + 1))
    else
        failed "$3: expected '$2' in $(basename "$1")"
    fi
}

# lacks FILE TEXT DESCRIPTION: the last run's stdout or stderr does not contain TEXT.
lacks() {
    if grep -qF -- "$2" "$1"; then
        failed "$3: did not expect '$2' in $(basename "$1")"
    else
        pass=$((pass + 1))
    fi
}

# times FILE TEXT N DESCRIPTION: TEXT occurs exactly N times in the file.
times() {
    local n
    n=$(grep -oF -- "$2" "$1" | wc -l)
    if [ "$n" -eq "$3" ]; then
        pass=$((pass + 1))
    else
        failed "$4: expected '$2' $3 time(s) in $(basename "$1"), found $n"
    fi
}

# empty FILE DESCRIPTION: the last run wrote nothing to stdout / stderr.
empty() {
    if [ -s "$1" ]; then failed "$2: expected nothing in $(basename "$1")"; else pass=$((pass + 1)); fi
}

# absent PATH DESCRIPTION
absent() {
    if [ -e "$1" ]; then failed "$2: '$1' exists"; else pass=$((pass + 1)); fi
}

commands="demo simulate ingest build train evaluate score quality"

# ---- help and version --------------------------------------------------------------------------------
expect 0 "top-level --help" --help
contains io/out "Usage: aftersales" "top-level --help"
contains io/out "Exit codes" "top-level --help lists exit codes"
for c in $commands; do contains io/out "  $c " "top-level --help lists $c"; done
expect 0 "-h" -h
expect 0 "help command" help
for h in help --help -h; do
    expect 0 "help $h shows the top-level help" help "$h"
    contains io/out "Usage: aftersales [" "help $h"
    empty io/err "help $h"
done
expect 0 "--version" --version
contains io/out "aftersales " "--version"

for c in $commands; do
    expect 0 "$c --help" "$c" --help
    contains io/out "Usage: aftersales $c" "$c --help"
    contains io/out "Example" "$c --help has an example"
    contains io/out "  aftersales $c" "$c --help example runs $c"
    if [ -s io/err ]; then failed "$c --help wrote to stderr"; else pass=$((pass + 1)); fi
    expect 0 "help $c" help "$c"
    contains io/out "Usage: aftersales $c" "help $c"
done

# ---- usage errors: exit 2 ----------------------------------------------------------------------------
expect 2 "no command"
expect 2 "unknown command" frobnicate
contains io/err "frobnicate" "unknown command is named"
expect 2 "help for an unknown command" help frobnicate
expect 2 "unknown global option" --bogus
for c in $commands; do
    expect 2 "$c: unknown option" "$c" --no-such-option
    contains io/err "--no-such-option" "$c: unknown option is named"
    contains io/err "aftersales $c --help" "$c: unknown option gives the usage hint"
done
expect 2 "unknown short option" ingest -x
expect 2 "option without its value" build --horizon
contains io/err "--horizon" "missing value names the option"
expect 2 "non-numeric value" build --horizon abc
contains io/err "abc" "bad number is named"
expect 2 "out-of-range value" build --horizon 0
expect 2 "train without --out" train --db shop.db
contains io/err "--out" "train without --out says so"
expect 2 "train without data" train --out m.json
expect 2 "train with --db and --csv" train --db a.db --csv b.csv --out m.json
expect 2 "train --csv without --target" train --csv b.csv --out m.json
expect 2 "train --db with --target" train --db a.db --target y --out m.json
expect 2 "train --out metrics.json" train --db a.db --out metrics.json
expect 2 "train bad --C" train --db a.db --out m.json --C -1
expect 2 "train bad --pca" train --db a.db --out m.json --pca 2
expect 2 "train --pca 1 (a share must be below 1)" train --db a.db --out m.json --pca 1
expect 2 "train bad --split" train --db a.db --out m.json --split sometimes
times io/err "sometimes" 1 "bad split is named once"
expect 2 "train bad --split date" train --db a.db --out m.json --split time:2011-13-45
times io/err "2011-13-45" 2 "bad split date: the library's message once (spec and date)"
times io/err "--split" 1 "bad split date: --split named once"
expect 2 "score bad --from" score --db a.db --model m.json --from yesterday
contains io/err "yesterday" "bad date is named"
expect 2 "ingest without a file" ingest
expect 2 "ingest two files" ingest a.csv b.csv
expect 2 "ingest unknown preset" ingest --preset nosuch a.csv
contains io/err "nosuch" "unknown preset is named"
expect 2 "score without --model" score --db shop.db
expect 2 "score --csv without --out" score --csv a.csv --model m.json
expect 2 "score --db with --out" score --db shop.db --model m.json --out x.csv
for t in 0 1 1.5 -0.2 abc; do
    expect 2 "score --threshold $t" score --db shop.db --model m.json --threshold "$t"
    contains io/err "--threshold" "score --threshold $t names the option"
done
expect 2 "score --csv with --threshold" score --csv a.csv --model m.json --out x.csv --threshold 0.3
contains io/err "model's own threshold" "score --csv --threshold says --csv uses the model's threshold"
expect 2 "quality without --out" quality --db shop.db
expect 2 "simulate without --out" simulate
expect 2 "simulate bad --lines" simulate --out sim --lines many
expect 2 "evaluate without --model" evaluate
expect 2 "demo unexpected argument" demo extra
expect 2 "demo bad --seed" demo --seed -3

# ---- missing files: exit 4, with the file named ---------------------------------------------------------
expect 4 "ingest of a missing file" ingest --db io/shop.db missing-export.csv.gz
contains io/err "missing-export.csv.gz" "ingest names the missing file"
if [ -e io/shop.db ]; then failed "ingest of a missing file created the database"; else pass=$((pass + 1)); fi
expect 4 "ingest of a missing folder" ingest --preset canonical --db io/shop.db no-such-folder
contains io/err "no-such-folder" "ingest names the missing folder"
expect 4 "build on a missing database" build --db nowhere.db
contains io/err "nowhere.db" "build names the missing database"
if [ -e nowhere.db ]; then failed "build created the missing database"; else pass=$((pass + 1)); fi
expect 4 "train on a missing database" train --db nowhere.db --out io/m.json
empty io/out "train on a missing database prints no header"
expect 4 "train on a missing database, new output folder" train --db nowhere.db --out newmodel/m.json
absent newmodel "train on a missing database creates no output folder"
expect 4 "train on a missing CSV" train --csv nowhere.csv --target y --out io/m.json
contains io/err "nowhere.csv" "train names the missing CSV"
expect 4 "score with a missing model" score --db nowhere.db --model nomodel.json --out-lines l.csv
contains io/err "nomodel.json" "score names the missing model"
expect 4 "quality on a missing database" quality --db nowhere.db --out q.csv
expect 4 "evaluate a missing model" evaluate --model nomodel/model.json
contains io/err "nomodel/model.json" "evaluate names the missing model"

# ---- a wrong kind of input: usage error with a hint -----------------------------------------------------
mkdir -p folder && : >file.csv
expect 2 "online-retail preset on a folder" ingest --db io/shop.db folder
expect 2 "canonical preset on a file" ingest --preset canonical --db io/shop.db file.csv
expect 4 "train --csv on a folder" train --csv folder --target y --out io/m.json
contains io/err "folder" "train --csv on a folder says so"
empty io/out "train --csv on a folder prints no header"

# ---- evaluate: metrics.json that belongs to another model of the folder ------------------------------------
mkdir -p ev
: >ev/a.json
: >ev/b.json
cat >ev/metrics.json <<'JSON'
{
  "model_file": "b.json",
  "split": "random split",
  "train": {"rows": 80, "roc_auc": 0.9},
  "test": {"rows": 20, "roc_auc": 0.8}
}
JSON
expect 0 "evaluate another model's metrics" evaluate --model ev/a.json
contains io/err "warning" "evaluate warns when metrics.json names another model"
contains io/err "b.json" "evaluate names the model the metrics belong to"
expect 0 "evaluate another model's metrics, --quiet" --quiet evaluate --model ev/a.json
contains io/err "b.json" "evaluate warns even with --quiet"
expect 0 "evaluate the model metrics.json names" evaluate --model ev/b.json
empty io/err "evaluate of the model metrics.json names"
expect 0 "evaluate a folder" evaluate --model ev
empty io/err "evaluate of a folder"

# ---- ingest: a new folder for --db, a warning for many rejects, cleanup after a failure --------------------
header="InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
good() { echo "5363$1,85123A,WHITE HANGING HEART,6,12/1/2010 8:26,2.55,17850,United Kingdom"; }
{
    echo "$header"
    good 01
    good 02
    echo '536366,22633,"HAND WARMER UNION JACK,6,12/1/2010 8:28,1.85,17850,United Kingdom'
    good 04
    echo "536368,22960,JAM MAKING SET,6"
    echo "536369,22913,RED COAT RACK,0,12/1/2010 8:35,4.95,13047,United Kingdom"
} >stray.csv
expect 0 "ingest into a folder that does not exist" ingest --db new/sub/shop.db stray.csv
if [ -f new/sub/shop.db ]; then pass=$((pass + 1)); else failed "ingest did not create new/sub/shop.db"; fi
contains io/err "warning" "ingest warns about a large reject share"
contains io/err "3 of 6 records (50.00%)" "reject warning gives the count and the share"
contains io/err "most common reason" "reject warning names the most common reason"
contains io/err "sqlite3 new/sub/shop.db \"SELECT line, reason FROM rejects WHERE source = 'stray.csv' LIMIT 20\"" \
    "reject warning shows how to look at the rejects"
expect 0 "ingest with many rejects, --quiet" ingest --quiet --db new/sub/shop.db stray.csv
contains io/err "of 6 records" "reject warning is given even with --quiet"
{
    echo "$header"
    for i in 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29; do good "$i"; done
    echo "536368,22960,JAM MAKING SET,6"
} >fewbad.csv
expect 0 "ingest with a few rejects" ingest --db io/few.db fewbad.csv
contains io/out "rejected" "ingest lists rejects"
lacks io/err "records (" "no reject warning at 1 in 21 (under 5 %)"
printf 'a,b\n1,2\n' >notretail.csv
expect 3 "failed ingest into a new folder" ingest --db gone/sub/shop.db notretail.csv
absent gone "failed ingest leaves no folder behind"
expect 3 "failed ingest into a new database" ingest --db gone.db notretail.csv
absent gone.db "failed ingest leaves no new database behind"
expect 0 "ingest --help warns of rejects" ingest --help
contains io/out "5 %" "ingest --help says a large reject share is warned about"

# ---- train: a failure leaves no new folder; the CSV flow says once how many rows were dropped ----------------
{
    echo "x,color,y"
    for i in $(seq 1 60); do
        if [ $((i % 7)) -eq 0 ]; then x=""; else x=$(( (i * 37) % 23 - 11 )); fi
        case $((i % 3)) in 0) col=red ;; 1) col=blue ;; *) col=green ;; esac
        if [ $(( (i * 37) % 23 - 11 + (i % 5) )) -gt 0 ]; then y=yes; else y=no; fi
        echo "$x,$col,$y"
    done
} >small.csv
expect 3 "train on an unknown target column" train --csv small.csv --target nosuch --out trainfail/sub/m.json
contains io/err "nosuch" "train names the unknown target column"
empty io/out "failed train prints no header"
absent trainfail "failed train removes the output folder it created"
expect 0 "train --csv" train --csv small.csv --target y --out csvmodel/m.json
times io/out "dropped for missing values" 1 "train --csv says once how many rows were dropped"
contains io/out "positive class: '" "train --csv names the positive class"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
