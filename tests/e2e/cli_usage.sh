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

commands="demo simulate ingest build train evaluate score quality reasons report"
commands="$commands export"

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
expect 2 "build --features bogus" build --db a.db --features most
contains io/err "all, main" "build --features lists the sets"
expect 2 "train --max-rows below 1,000" train --db a.db --max-rows 10 --out m.json
contains io/err "--max-rows" "train names --max-rows"
expect 2 "train --max-rows with a bad seed" train --db a.db --max-rows 5000:x --out m.json
expect 2 "train --csv with --max-rows" train --csv b.csv --target y --max-rows 5000 --out m.json
expect 2 "train --out metrics.json" train --db a.db --out metrics.json
expect 2 "train bad --C" train --db a.db --out m.json --C -1
for v in 1.5 -0.5 abc 0.95x; do
    expect 2 "train bad --pca $v" train --db a.db --out m.json --pca "$v"
    contains io/err "--pca" "train bad --pca $v names the option"
done
expect 2 "train bad --split" train --db a.db --out m.json --split sometimes
times io/err "sometimes" 1 "bad split is named once"
expect 2 "train bad --split date" train --db a.db --out m.json --split time:2011-13-45
times io/err "2011-13-45" 2 "bad split date: the library's message once (spec and date)"
times io/err "--split" 1 "bad split date: --split named once"
# ---- train: the model, validation and cost options (checked before any file is touched) ----------------------
expect 0 "train --help" train --help
for o in --model --penalty --solver --class-weight --weight --impute --min-count --cv --pca --return-cost \
    --contact-cost --contact-success --validation --rounds --learning-rate --max-depth --early-stopping --threads \
    stratified:FRACTION:SEED; do
    contains io/out "$o" "train --help documents $o"
done
for e in "--model gbdt" "--penalty l1" "--split stratified:0.2:42 --cv 5" "--return-cost 25 --contact-cost 1.5"; do
    contains io/out "$e" "train --help has an example with $e"
done
# bad_value OPTION VALUE [MORE ARGS...]: exit 2, and the message names the option and the value.
bad_value() {
    local opt=$1 val=$2
    shift 2
    expect 2 "train $opt $val" train --db a.db --out m.json "$@" "$opt" "$val"
    contains io/err "$opt" "train $opt $val names the option"
    contains io/err "$val" "train $opt $val names the value"
    lacks io/out "train:" "train $opt $val prints no header"
}
bad_value --model svm
contains io/err "logreg, gbdt" "train --model lists the accepted values"
bad_value --penalty l3
contains io/err "l2, l1, none" "train --penalty lists the accepted values"
bad_value --solver sag
contains io/err "newton, lbfgs" "train --solver lists the accepted values"
bad_value --class-weight auto
contains io/err "balanced, none" "train --class-weight lists the accepted values"
bad_value --impute mean
contains io/err "drop, median, most_frequent, keep" "train --impute lists the accepted values"
bad_value --min-count -3
bad_value --min-count many
for v in 1 21 0 x 5:shuffle 5:shuffle:-1 5:sorted:1 5:shuffle:4294967296; do bad_value --cv "$v"; done
for v in 0 -5 abc; do bad_value --return-cost "$v" --contact-cost 1; done
for v in 0 -1 x; do bad_value --contact-cost "$v" --return-cost 10; done
for v in 0 1.5 -0.2 x; do bad_value --contact-success "$v" --return-cost 10 --contact-cost 1; done
for v in 0 1 1.5 x; do bad_value --validation "$v" --model gbdt; done
for v in 0 -1 x; do bad_value --rounds "$v" --model gbdt; done
for v in 0 1.5 -0.1 x; do bad_value --learning-rate "$v" --model gbdt; done
for v in 0 33 x; do bad_value --max-depth "$v" --model gbdt; done
for v in -1 x; do bad_value --early-stopping "$v" --model gbdt; done
for v in -1 x 5000; do bad_value --threads "$v"; done
expect 2 "train --return-cost without --contact-cost" train --db a.db --out m.json --return-cost 25
contains io/err "--contact-cost" "the missing cost is named"
expect 2 "train --contact-cost without --return-cost" train --db a.db --out m.json --contact-cost 2
contains io/err "--return-cost" "the missing cost is named"
expect 2 "train --contact-success without costs" train --db a.db --out m.json --contact-success 0.5
contains io/err "--contact-success" "train --contact-success without costs names it"
expect 2 "train --validation without trees or costs" train --db a.db --out m.json --validation 0.2
contains io/err "--validation" "train --validation without a use names it"
for o in "--rounds 10" "--learning-rate 0.05" "--max-depth 3" "--early-stopping 5"; do
    # shellcheck disable=SC2086
    expect 2 "train $o without --model gbdt" train --db a.db --out m.json $o
    contains io/err "--model gbdt" "train $o says it needs --model gbdt"
done
for o in "--penalty l1" "--solver lbfgs" "--C 2" "--tol 1e-6" "--max-iter 50"; do
    # shellcheck disable=SC2086
    expect 2 "train --model gbdt with $o" train --db a.db --out m.json --model gbdt $o
    contains io/err "logistic regression" "train --model gbdt $o says it is for logistic regression"
done
expect 2 "train --cv with shuffle on the time split" train --db a.db --out m.json --cv 5:shuffle:1
contains io/err "time split" "train --cv shuffle with the time split says why"
expect 2 "train --model gbdt with --pca" train --db a.db --out m.json --model gbdt --pca 0.9
contains io/err "--pca" "train --model gbdt --pca names --pca"
expect 2 "train --impute keep with logistic regression" train --csv b.csv --target y --out m.json --impute keep
contains io/err "--model gbdt" "train --impute keep points to boosted trees"
expect 2 "train --weight with --db" train --db a.db --out m.json --weight w
contains io/err "--weight" "train --weight with --db names it"
expect 2 "train --impute with --db" train --db a.db --out m.json --impute median
expect 2 "train bad --split stratified" train --csv b.csv --target y --out m.json --split stratified:1.5:42
contains io/err "stratified" "bad stratified split is named"
# Valid values get past option checking (and then fail on the missing file: exit 4, not 2).
for o in "--model gbdt --rounds 50 --learning-rate 0.3 --max-depth 3 --early-stopping 0 --threads 2" \
    "--penalty l1 --solver lbfgs" "--penalty none" "--solver tron" "--solver newton-cholesky" \
    "--class-weight balanced" "--min-count 5" "--cv 5" "--cv 3:shuffle:7 --split random:0.2:1" "--pca 3" "--pca 1" "--pca 0.5" \
    "--return-cost 25 --contact-cost 1.5 --contact-success 0.3 --validation 0.2" "--split stratified:0.25:1"; do
    # shellcheck disable=SC2086
    expect 4 "train accepts $o" train --db nowhere.db --out io/m.json $o
done
expect 4 "train --csv accepts --impute and --weight" train --csv nowhere.csv --target y --out io/m.json \
    --impute most_frequent --weight w
expect 4 "train --csv --model gbdt accepts --impute keep" train --csv nowhere.csv --target y --out io/m.json \
    --model gbdt --impute keep
expect 4 "a contact that costs more than it saves is a warning, not an error" train --db nowhere.db \
    --out io/m.json --return-cost 10 --contact-cost 5 --contact-success 0.2
contains io/err "flag nobody" "train warns when no contact can pay"

expect 0 "score --help" score --help
for t in "probability_<label>" top_reasons "row, predicted" "row, probability"; do
    contains io/out "$t" "score --help describes the --csv column $t"
done

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
expect 2 "quality with a long window shorter than the recent one" quality --db shop.db --recent-days 200 --long-days 90
contains io/err "--long-days" "quality names the window options"
expect 2 "quality --interval bogus" quality --db shop.db --interval bogus
contains io/err "wilson" "quality --interval lists the methods"
expect 2 "quality --as-of not a date" quality --db shop.db --as-of yesterday
expect 2 "quality --funnel 2" quality --db shop.db --funnel 2
expect 2 "quality --min-sales 0" quality --db shop.db --min-sales 0
expect 2 "quality --out naming the database" quality --db shop.db --out ./shop.db
contains io/err "would overwrite the database" "quality refuses to overwrite the database"
expect 2 "quality --out and --json naming one file" quality --db shop.db --out q.csv --json ./q.csv
expect 2 "quality --credible 0.5" quality --db shop.db --credible 0.5
expect 2 "report --top-orders out of range" report --db shop.db --top-orders 5000
contains io/err "--top-orders" "report names --top-orders"
expect 2 "report --funnels bogus" report --db shop.db --funnels many
expect 2 "report --out naming the database" report --db shop.db --out ./shop.db
contains io/err "would overwrite the database" "report refuses to overwrite the database"
expect 2 "report unexpected argument" report --db shop.db extra
expect 2 "export without --out" export --db shop.db
contains io/err "--out" "export names the missing --out"
expect 2 "export --target bogus" export --db shop.db --out f.csv --target basket
contains io/err "line, order" "export --target lists the levels"
expect 2 "export --features main at order level" export --db shop.db --out f.csv --target order --features main
expect 2 "export --out naming the database" export --db shop.db --out ./shop.db
contains io/err "would overwrite the database" "export refuses to overwrite the database"
expect 2 "export unexpected argument" export --db shop.db --out f.csv extra
# No output may replace an input, nor its temporary twin "<out>.part" (export once deleted a database named
# flat.csv.part this way; score --out-lines and train --out wrote over the database itself).
: > clash.db
echo '{}' > clash-model.json
expect 2 "export whose temporary file is the database" export --db flat.csv.part --out flat.csv
expect 2 "export --out a folder" export --db shop.db --out io
contains io/err "is a folder" "export says --out is a folder"
expect 2 "score --out-lines naming the database" score --db clash.db --model clash-model.json --out-lines clash.db
contains io/err "would overwrite the database" "score refuses to overwrite the database"
expect 2 "score --out-orders naming the model" score --db clash.db --model clash-model.json --out-orders clash-model.json
contains io/err "would overwrite the model" "score refuses to overwrite the model"
expect 2 "score two outputs naming one file" score --db clash.db --model clash-model.json --out-lines s.csv --out-orders ./s.csv
contains io/err "would write the same file" "score names the two outputs"
expect 2 "score --out-lines - (standard output)" score --db clash.db --model clash-model.json --out-lines -
contains io/err "standard output is not supported" "score says a stream cannot be an output"
if [ ! -e ./- ]; then pass=$((pass + 1)); else failed "score --out-lines - wrote a file named '-'"; fi
expect 2 "train --db a folder" train --db io --out io/m/m.json
expect 2 "train --csv a folder" train --csv io --target y --out io/m/m.json
expect 2 "score --csv a folder" score --csv io --model clash-model.json --out io/s.csv
contains io/err "is a folder" "score says --csv is a folder"
expect 2 "simulate --out -" simulate --out -
expect 2 "ingest --db -" ingest --db - stray.csv
expect 2 "ingest --key-file -" ingest --key-file - --db io/k.db stray.csv
if [ ! -e ./- ]; then pass=$((pass + 1)); else failed "an option given '-' made a file or folder named '-'"; fi
expect 4 "score on a database that does not exist" score --db nothere/x.db --model clash-model.json --out-lines s.csv
contains io/err "aftersales ingest --db nothere/x.db" "score says how to create the database"
expect 4 "train on a database that does not exist" train --db nothere/x.db --out m/m.json
contains io/err "aftersales ingest --db nothere/x.db" "train says how to create the database"
if [ ! -e nothere ]; then pass=$((pass + 1)); else failed "train created nothere/ for a missing database"; fi
expect 2 "train --out naming the database" train --db clash.db --out clash.db
contains io/err "would overwrite the database" "train refuses to overwrite the database"
expect 2 "train --out naming the database's WAL" train --db clash.db --out clash.db-wal
contains io/err "WAL" "train names the WAL"
expect 2 "train --out naming its CSV input" train --csv clash-model.json --target y --out clash-model.json
contains io/err "would overwrite the input" "train refuses to overwrite its input"
expect 2 "report --out naming the model's metrics" report --db clash.db --model clash-model.json --out metrics.json
contains io/err "metrics" "report refuses to overwrite the model's metrics"
expect 2 "quality --json naming --out's temporary file" quality --db clash.db --out q.csv --json q.csv.part
expect 2 "reasons train --out naming the database" reasons train --db clash.db --out clash.db
contains io/err "would overwrite the database" "reasons train refuses to overwrite the database"
[ -s clash.db ] && failed "the clash database was written to" || pass=$((pass + 1))
# Whatever its name and whichever command, no output replaces an existing SQLite database or key file, the
# metrics beside a model, or names a folder.
printf 'SQLite format 3\000rest of a database' > other.sqlite
printf '%064d\n' 7 > my.key
mkdir -p m
echo '{}' > m/model.json
echo '{}' > m/metrics.json
expect 2 "train --csv --out naming another SQLite database" train --csv b.csv --target y --out other.sqlite
contains io/err "is a SQLite database" "train says the file is a SQLite database"
expect 2 "export --out naming a key file kept elsewhere" export --db clash.db --out my.key
contains io/err "pseudonymization key" "export says the file is a key"
expect 2 "score --out-lines naming the model's metrics" score --db clash.db --model m --out-lines m/metrics.json
contains io/err "the model's metrics" "score refuses to overwrite the model's metrics"
for c in "train --db clash.db --out" "score --db clash.db --model m --out-lines" "quality --db clash.db --out" \
         "report --db clash.db --out" "reasons train --db clash.db --out"; do
    expect 2 "${c%% *} --out naming a folder" $c io
    contains io/err "is a folder" "${c%% *} says --out is a folder"
done
# --csv - reads standard input.
awk 'BEGIN { print "x,y"; for (i = 0; i < 60; i++) print i % 7 "," (i % 7 > 3) }' |
    "$BIN" train --csv - --target y --out stdin-model/model.json > io/out 2> io/err
rc=$?
[ "$rc" -eq 0 ] && grep -q "48 train / 12 test rows" io/out && pass=$((pass + 1)) || failed "train --csv - reads standard input (exit $rc)"
# The demo never replaces a shop database it did not make; a folder is not a database.
mkdir -p realshop
: > realshop/shop.db
expect 2 "demo into a folder holding another shop database" demo --out realshop
contains io/err "did not make" "demo says the database is not its own"
expect 2 "build --db naming a folder" build --db io
contains io/err "is a folder" "build says --db is a folder"
for c in export quality report; do
    expect 2 "$c --db naming a folder" $c --db io --out x.out
    contains io/err "--db io is a folder" "$c says --db is a folder"
done
# A command that needs data never turns a stray empty file into a database.
for c in export train report quality; do
    expect 3 "$c on an empty file as --db" $c --db clash.db --out "empty-$c.out"
    contains io/err "empty file" "$c says the database is an empty file"
done
[ -s clash.db ] && failed "the empty file became a database" || pass=$((pass + 1))
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
expect 4 "quality with a missing reason model" quality --db nowhere.db --reason-model missing.json
contains io/err "missing.json" "quality names the missing reason model"
sqlite3 other.db "CREATE TABLE x(a)"
expect 3 "quality on another program's database" quality --db other.db
contains io/err "another program" "quality says the database is another program's"
if [ "$(sqlite3 other.db "SELECT COUNT(*) FROM sqlite_master")" = 1 ]; then pass=$((pass + 1)); else
    failed "quality changed another program's database"; fi
expect 4 "report on a missing database" report --db nowhere.db --out io/r.html
contains io/err "nowhere.db" "report names the missing database"
absent io/r.html "report on a missing database writes no page"
expect 4 "report with a missing model" report --db nowhere.db --model nomodel.json --out io/r.html
contains io/err "nomodel.json" "report names the missing model"
expect 4 "export on a missing database" export --db nowhere.db --out io/flat.csv
contains io/err "nowhere.db" "export names the missing database"
absent io/flat.csv "export on a missing database writes no file"
absent nowhere.db "export on a missing database creates none"
expect 4 "evaluate a missing model" evaluate --model nomodel/model.json
contains io/err "nomodel/model.json" "evaluate names the missing model"

# ---- a wrong kind of input: usage error with a hint -----------------------------------------------------
mkdir -p folder && : >file.csv
expect 2 "online-retail preset on a folder" ingest --db io/shop.db folder
expect 2 "canonical preset on a file" ingest --preset canonical --db io/shop.db file.csv
expect 2 "train --csv on a folder" train --csv folder --target y --out io/m.json
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
# Nothing loaded is a data error, so a script stops at ingest rather than at build.
head -1 fewbad.csv > headeronly.csv
expect 3 "ingest of a header-only file" ingest --db io/none.db headeronly.csv
contains io/err "has a header but no records" "ingest says the file has no records"
{ head -1 fewbad.csv; printf '536365,85123A,X,notanumber,12/1/2010 8:26,2.55,17850,United Kingdom\n'; } > allbad.csv
expect 3 "ingest whose every record is rejected" ingest --db io/allbad.db allbad.csv
contains io/err "every record was rejected" "ingest says every record was rejected"
contains io/err "SELECT line, reason FROM rejects" "ingest says how to see the rejects"
printf 'a,b\n1,2\n' >notretail.csv
expect 3 "failed ingest into a new folder" ingest --db gone/sub/shop.db notretail.csv
absent gone "failed ingest leaves no folder behind"
expect 3 "failed ingest into a new database" ingest --db gone.db notretail.csv
absent gone.db "failed ingest leaves no new database behind"
expect 0 "ingest --help warns of rejects" ingest --help
contains io/out "5 %" "ingest --help says a large reject share is warned about"

# A canonical column under another name is left out with a warning that names it and the column it resembles.
run simulate --out io/canon --lines 2000 -q
sed -i '1s/unit_price/price/' io/canon/order_lines.csv
expect 0 "canonical ingest with a misspelled column" ingest --preset canonical io/canon --db io/canon.db
contains io/err "order_lines.csv: 'price' (did you mean 'unit_price'?)" "ingest names a left-out column and its likely name"
lacks io/err "'email'" "personal columns are dropped without a warning"

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
printf 'x;v;y\n1;2;0\n3;4;1\n' >semicolons.csv
expect 3 "train --csv on a semicolon-separated file" train --csv semicolons.csv --target y --out io/semi/m.json
contains io/err "probably separated by ';'" "train says the file is not comma-separated"
# A column of numbers with a stray text value: the value and its row are named, not "free text".
{
    echo "x,v,y"
    for i in $(seq 1 200); do
        v="$i.5"; [ "$i" -eq 57 ] && v=abc; [ "$i" -eq 120 ] && v=12..3
        echo "$((i % 13)),$v,$((i % 2))"
    done
} >straytext.csv
expect 3 "train --csv on a column of numbers with stray text" train --csv straytext.csv --target y --out io/stray/m.json
contains io/err "column 'v' holds numbers except for 2 values such as 'abc' (data row 57)" "train names the stray value and its row"
lacks io/err "free text" "train does not call a column of numbers free text"
expect 0 "train --csv --na names the stray values" train --csv straytext.csv --target y --na abc --na 12..3 --out io/stray/m.json
sed 's/^\([0-9]*\),\([0-9]*\)\.5,/\1,\1,/' straytext.csv >straylevels.csv   # few distinct values: one-hot
expect 0 "train --csv on a few-valued column with stray text" train --csv straylevels.csv --target y --out io/stray2/m.json
contains io/err "column 'v' is read as text and one-hot encoded because 2 of its values are not numbers, such as 'abc' (data row 57)" "train warns of the stray text in a few-valued column"

# ---- metrics.json: valid JSON with the keys of model format 2, read back by evaluate --------------------------
PY=/usr/bin/python3
# json_check FILE PYTHON-EXPRESSION DESCRIPTION: the file is valid JSON (json.tool) and the expression, with the
# parsed document as m, is true.
json_check() {
    if [ ! -x "$PY" ]; then pass=$((pass + 1)); return; fi
    if [ ! -f "$1" ]; then
        fail=$((fail + 1))
        echo "FAIL: $3: $1 was not written"
        return
    fi
    if ! "$PY" -m json.tool "$1" >/dev/null 2>io/jsonerr; then
        fail=$((fail + 1))
        echo "FAIL: $3: $1 is not valid JSON: $(head -c 300 io/jsonerr)"
        return
    fi
    if "$PY" -c "import json,sys; m=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$1" 2>io/jsonerr; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: $3: expected $2 in $1 $(head -c 300 io/jsonerr)"
    fi
}
json_check csvmodel/metrics.json \
    "all(k in m for k in ('model_file','threshold','features_in','components','n_components','model_kind','penalty',
     'solver','function_evaluations','n_classes','class_labels','nonzero_coefficients','imputed_values',
     'pooled_levels','validation_rows','pca_variance_ratio','warnings','train','test'))" \
    "metrics.json has the report's keys"
json_check csvmodel/metrics.json "m['n_components'] == m['components'] and m['n_classes'] == 2 and
     len(m['class_labels']) == 2 and isinstance(m['warnings'], list) and 'cv' not in m and 'decision' not in m" \
    "metrics.json: n_components is components; no cv or decision unless asked for"
json_check csvmodel/metrics.json "all(k in m[p] for p in ('train','test') for k in ('rows','roc_auc','confusion',
     'n_classes','macro_precision','macro_recall','macro_f1','micro_precision','micro_recall','micro_f1',
     'weighted_precision','weighted_recall','weighted_f1','roc_auc_ovr_macro','roc_auc_ovr_weighted','per_class',
     'confusion_matrix','calibration','expected_calibration_error','no_predicted_positive','one_class_truth'))" \
    "metrics.json: every metric key in train and test"
json_check csvmodel/metrics.json "len(m['test']['calibration']) == 10 and
     all(set(b) == {'bin_low','bin_high','count','mean_predicted','fraction_positive'} for b in m['test']['calibration'])
     and all(b['mean_predicted'] is None for b in m['test']['calibration'] if b['count'] == 0)
     and len(m['test']['confusion_matrix']) == 2 and all(len(r) == 2 for r in m['test']['confusion_matrix'])
     and sum(map(sum, m['test']['confusion_matrix'])) == m['test']['rows']
     and [c['label'] for c in m['test']['per_class']] == m['class_labels']" \
    "metrics.json: calibration bins, a 2x2 confusion matrix over the test rows, per_class in class order"
expect 0 "evaluate the model train --csv wrote" evaluate --model csvmodel/m.json
contains io/out "ROC-AUC" "evaluate reads the new metrics.json"
lacks io/out "n/a" "evaluate finds every figure of the binary table"

# A metrics.json as train writes it for a multinomial model with cross-validation, and for a cost-based decision.
mkdir -p mc
: >mc/model.json
cat >mc/metrics.json <<'JSON'
{
  "model_file": "model.json", "positive_class": "", "threshold": null,
  "split": "stratified split: 20 % test, seed 42", "features_in": 4, "components": 4, "iterations": 12,
  "hessian_products": 0, "hessian_formations": 0, "converged": true, "separated": false, "gradient_norm": 1e-9,
  "objective": 12.5, "unseen_categories_test_rows": 0, "dropped_missing_rows": 0, "seconds_train": 0.01,
  "model_kind": "logreg", "penalty": "l1", "solver": "owlqn", "function_evaluations": 20, "n_classes": 3,
  "class_labels": ["setosa", "versicolor", "virginica"], "n_features_in": 4, "n_components": 4,
  "nonzero_coefficients": 7, "imputed_values": 0, "pooled_levels": 0, "validation_rows": 0,
  "pca_variance_ratio": [0.7296, 0.2285, 0.0367, 0.0052],
  "cv": {"k": 3, "folds": [
    {"train_rows": 80, "test_rows": 40, "test_positives": 0, "accuracy": 0.95, "precision": 0.95, "recall": 0.95, "f1": 0.95, "roc_auc": 0.99, "pr_auc": null, "log_loss": 0.2, "brier": 0.08},
    {"train_rows": 80, "test_rows": 40, "test_positives": 0, "accuracy": 0.925, "precision": 0.93, "recall": 0.925, "f1": 0.924, "roc_auc": 0.98, "pr_auc": null, "log_loss": 0.25, "brier": 0.1},
    {"train_rows": 80, "test_rows": 40, "test_positives": 0, "accuracy": 0.975, "precision": 0.976, "recall": 0.975, "f1": 0.975, "roc_auc": 1, "pr_auc": null, "log_loss": 0.1, "brier": 0.04}],
    "mean": {"accuracy": 0.95, "precision": 0.952, "recall": 0.95, "f1": 0.9497, "roc_auc": 0.99, "pr_auc": null, "log_loss": 0.1833, "brier": 0.0733},
    "std": {"accuracy": 0.0204, "precision": 0.0188, "recall": 0.0204, "f1": 0.0208, "roc_auc": 0.0082, "pr_auc": null, "log_loss": 0.0624, "brier": 0.0249}},
  "train": {"rows": 120, "positives": 0, "positive_rate": null, "accuracy": 0.975, "precision": 0.975, "recall": 0.975, "f1": 0.975, "roc_auc": 0.998, "log_loss": 0.11, "brier": 0.04,
    "n_classes": 3, "macro_precision": 0.975, "macro_recall": 0.975, "macro_f1": 0.975, "micro_precision": 0.975, "micro_recall": 0.975, "micro_f1": 0.975, "weighted_precision": 0.975, "weighted_recall": 0.975, "weighted_f1": 0.975, "roc_auc_ovr_macro": 0.998, "roc_auc_ovr_weighted": 0.998,
    "per_class": [{"label": "setosa", "support": 40, "precision": 1, "recall": 1, "f1": 1, "roc_auc": 1}, {"label": "versicolor", "support": 40, "precision": 0.95, "recall": 0.975, "f1": 0.9625, "roc_auc": 0.997}, {"label": "virginica", "support": 40, "precision": 0.975, "recall": 0.95, "f1": 0.9625, "roc_auc": 0.997}],
    "confusion_matrix": [[40, 0, 0], [0, 39, 1], [0, 2, 38]], "calibration": null, "expected_calibration_error": null, "no_predicted_positive": false, "one_class_truth": false},
  "test": {"rows": 30, "positives": 0, "positive_rate": null, "accuracy": 0.9667, "precision": 0.9697, "recall": 0.9667, "f1": 0.9666, "roc_auc": null, "log_loss": 0.13, "brier": 0.05,
    "n_classes": 3, "macro_precision": 0.9697, "macro_recall": 0.9667, "macro_f1": 0.9666, "micro_precision": 0.9667, "micro_recall": 0.9667, "micro_f1": 0.9667, "weighted_precision": 0.9697, "weighted_recall": 0.9667, "weighted_f1": 0.9666, "roc_auc_ovr_macro": null, "roc_auc_ovr_weighted": null,
    "per_class": [{"label": "setosa", "support": 10, "precision": 1, "recall": 1, "f1": 1, "roc_auc": 1}, {"label": "versicolor", "support": 20, "precision": 0.9091, "recall": 1, "f1": 0.9524, "roc_auc": 0.99}, {"label": "virginica", "support": 0, "precision": 0, "recall": 0, "f1": 0, "roc_auc": null}],
    "confusion_matrix": [[10, 0, 0], [0, 20, 0], [0, 1, 0]], "calibration": null, "expected_calibration_error": null, "no_predicted_positive": false, "one_class_truth": false},
  "warnings": ["The least populated class in y has only 2 members, which is less than n_splits=3.", "a second line"]
}
JSON
json_check mc/metrics.json "m['n_classes'] == 3" "the multiclass fixture is valid JSON"
expect 0 "evaluate a multinomial model" evaluate --model mc/model.json
for t in "classes (3): 'setosa', 'versicolor', 'virginica'" "macro avg" "weighted avg" "micro avg" \
    "ROC-AUC OvR macro" "confusion matrix, test rows" "3-fold stratified cross-validation" "mean ± std" \
    "ddof 0" "penalty l1, 7 of 12 coefficients not zero" "solver: owlqn" "most probable"; do
    contains io/out "$t" "evaluate of a multinomial model shows '$t'"
done
contains io/out "ROC-AUC OvR is undefined on the test rows: class 'virginica' has no rows there" \
    "an undefined ROC-AUC says why"
contains io/err "warning: The least populated class" "the report's warnings go to stderr"
contains io/err "warning: a second line" "every line of the report's warnings is shown"
lacks io/out "calibration" "no calibration table without --verbose"
expect 0 "evaluate a multinomial model, --verbose" evaluate --verbose --model mc/model.json
contains io/out "PCA explained variance" "evaluate --verbose shows the PCA table"
contains io/out "training rows by class" "evaluate --verbose shows the training rows by class"
expect 0 "evaluate a multinomial model, --quiet" evaluate --quiet --model mc/model.json
contains io/out "macro F1" "evaluate --quiet of a multinomial model gives its summary"
contains io/err "warning:" "warnings are shown even with --quiet"

mkdir -p dec
: >dec/model.json
sed -e 's/"n_classes": 3/"n_classes": 2/g' -e 's/"threshold": null/"threshold": 0.23/' mc/metrics.json |
    "$PY" -c '
import json, sys
m = json.load(sys.stdin)
m["class_labels"] = ["no", "yes"]; m["positive_class"] = "yes"; m["penalty"] = "l2"; del m["cv"]
m["decision"] = {"validation": {"threshold": 0.23, "rows": 2000, "contacts": 150, "returns": 80, "returns_flagged": 40,
                                "returns_prevented": 12.0, "savings": 1234.5, "savings_per_row": 0.61725},
                 "test": {"threshold": 0.23, "rows": 3000, "contacts": 250, "returns": 100, "returns_flagged": 45,
                          "returns_prevented": 13.5, "savings": -20.5, "savings_per_row": -0.0068}}
for p in ("train", "test"):
    d = m[p]; d.update(positives=10, positive_rate=0.1, pr_auc=0.5, best_f1=0.6, best_f1_threshold=0.3,
                       precision_top1=0.5, precision_top5=0.4, confusion={"tp": 1, "fp": 2, "tn": 3, "fn": 4})
    d["per_class"] = d["per_class"][:2]; d["confusion_matrix"] = [[3, 2], [4, 1]]
    d["calibration"] = [{"bin_low": b / 10, "bin_high": (b + 1) / 10, "count": 0 if b == 9 else 5,
                         "mean_predicted": None if b == 9 else b / 10 + 0.05,
                         "fraction_positive": None if b == 9 else b / 10} for b in range(10)]
    d["expected_calibration_error"] = 0.05
m["test"]["roc_auc"] = None; m["test"]["pr_auc"] = None; m["test"]["one_class_truth"] = True; m["test"]["positives"] = 0
json.dump(m, sys.stdout)' >dec/metrics.json
expect 0 "evaluate a cost-based decision" evaluate --verbose --model dec/model.json
for t in "decision by expected savings" "contacts (flagged rows)" "returns prevented" "1,234.50" "-20.50" \
    "the best expected savings on the validation rows" "calibration, test rows" "0.9-1.0" \
    "ROC-AUC and PR-AUC are undefined on the test rows: they hold one class only (no positives)"; do
    contains io/out "$t" "evaluate of a cost-based decision shows '$t'"
done
lacks io/out "macro avg" "a binary model shows no multiclass table"

# ---- the new capabilities end to end on tiny files: multinomial, CV, boosted trees, L1, costs ----------------
{
    echo "a,b,shade,species"
    for i in $(seq 1 90); do
        case $((i % 3)) in 0) sp=alpha ;; 1) sp=beta ;; *) sp=gamma ;; esac
        a=$(( (i % 3) * 10 + (i * 7) % 9 ))
        b=$(( (i * 13) % 11 ))
        case $(( (i * 5) % 4 )) in 0) sh=dark ;; 1) sh=light ;; *) sh=mid ;; esac
        echo "$a,$b,$sh,$sp"
    done
} >three.csv
expect 0 "train a multinomial model" train --csv three.csv --target species --out mn/m.json
contains io/out "classes (3): 'alpha', 'beta', 'gamma'" "multinomial train names the classes"
contains io/out "macro avg" "multinomial train shows the per-class table"
contains io/out "confusion matrix, test rows" "multinomial train shows the confusion matrix"
json_check mn/metrics.json "m['n_classes'] == 3 and m['class_labels'] == ['alpha','beta','gamma'] and
     len(m['test']['per_class']) == 3 and len(m['test']['confusion_matrix']) == 3 and
     all(len(r) == 3 for r in m['test']['confusion_matrix']) and
     sum(map(sum, m['test']['confusion_matrix'])) == m['test']['rows'] and m['test']['calibration'] is None" \
    "multinomial metrics.json: 3 classes, a 3x3 confusion matrix, no calibration"
expect 0 "evaluate a multinomial model trained here" evaluate --model mn/m.json
contains io/out "confusion matrix, test rows" "evaluate reads a multinomial metrics.json"
lacks io/out "n/a" "evaluate finds every multiclass figure"
expect 0 "score a multinomial model" score --csv three.csv --model mn/m.json --out mn/scores.csv
if [ "$(head -n 1 mn/scores.csv 2>/dev/null | tr -d '\r')" = \
    "row,predicted,probability_alpha,probability_beta,probability_gamma,top_reasons" ]; then
    pass=$((pass + 1))
else
    failed "multinomial scores: header is '$(head -n 1 mn/scores.csv 2>/dev/null)'"
fi
contains io/out "classes" "score of a multinomial model says how many classes"

expect 0 "train with a stratified split and CV" train --csv small.csv --target y --split stratified:0.2:42 --cv 3 \
    --out cv/m.json
contains io/out "3-fold stratified cross-validation" "train --cv prints the folds"
contains io/out "mean ± std" "train --cv prints mean ± std"
json_check cv/metrics.json "len(m['cv']['folds']) == 3 and 'mean' in m['cv'] and 'std' in m['cv']" \
    "metrics.json holds the folds, mean and std"

expect 0 "train boosted trees" train --csv small.csv --target y --model gbdt --rounds 20 --out gb/m.json
contains io/out "boosted trees" "train --model gbdt says so"
json_check gb/metrics.json "m['model_kind'] == 'gbdt' and m['gbdt_rounds'] >= 1 and 'gbdt_best_validation_logloss' in m" \
    "metrics.json of boosted trees"

expect 0 "train with an L1 penalty" train --csv small.csv --target y --penalty l1 --out l1/m.json
contains io/out "coefficients not zero" "train --penalty l1 counts the non-zero coefficients"
json_check l1/metrics.json "m['penalty'] == 'l1' and m['nonzero_coefficients'] >= 0" "metrics.json of an L1 model"

expect 0 "train with costs" train --csv small.csv --target y --return-cost 10 --contact-cost 1 --out dc/m.json
contains io/out "decision by expected savings" "train with costs shows the decision"
json_check dc/metrics.json "m['decision']['validation']['rows'] > 0 and 'test' in m['decision'] and
     m['validation_rows'] > 0" "metrics.json holds the decision"

# ---- options recorded and shown, --model as a folder, wording of counts and unseen values ---------------------
expect 0 "train with options" train --csv small.csv --target y --impute median --class-weight balanced \
    --min-count 2 --pca 1 --out opt/model.json
contains io/out "options: C 1, tol 1e-08, max-iter 200, class weight balanced, impute median, min-count 2" \
    "train prints the options line"
times io/out "options:" 1 "train prints one options line"
contains io/out "1 PCA component" "train: one PCA component"
lacks io/out "1 PCA components" "train: no '1 PCA components'"
json_check opt/metrics.json "m['options']['C'] == 1 and m['options']['tol'] == 1e-08 and
     m['options']['max_iter'] == 200 and m['options']['class_weight'] == 'balanced' and
     m['options']['weight_column'] is None and m['options']['impute'] == 'median' and
     m['options']['min_level_count'] == 2 and m['options']['cv_shuffle'] is False and
     all(k in m['options'] for k in ('cv_seed','return_cost','contact_cost','contact_success')) and
     isinstance(m['threshold_rule'], str) and m['threshold_rule'] != ''" \
    "metrics.json records the options and the threshold rule"
expect 0 "evaluate a model trained with options" evaluate --model opt/model.json
contains io/out "options: C 1, tol 1e-08, max-iter 200, class weight balanced, impute median, min-count 2" \
    "evaluate prints the options line read back from metrics.json"
contains io/out "1 PCA component" "evaluate: one PCA component"
lacks io/out "1 PCA components" "evaluate: no '1 PCA components'"
if [ -x "$PY" ]; then
    rule=$("$PY" -c "import json; print(json.load(open('opt/metrics.json'))['threshold_rule'])")
    contains io/out "decision threshold for flags: 0.5000 ($rule)" "evaluate shows how the threshold was chosen"
fi
expect 0 "evaluate a metrics.json without options" evaluate --model mc/model.json
contains io/out "options: not recorded" "evaluate of an older metrics.json says the options were not recorded"

expect 0 "train without a penalty" train --csv small.csv --target y --penalty none --C 0.5 --out nopen/model.json
contains io/err "--penalty none ignores --C" "train --penalty none --C notes that C is ignored"
lacks io/out "C = " "train --penalty none prints no C in the header"
lacks io/out "options: C" "train --penalty none prints no C in the options line"
contains io/out "options: tol 1e-08, max-iter 200" "train --penalty none shows tol and max-iter"
expect 0 "train boosted trees with options" train --csv small.csv --target y --model gbdt --rounds 5 \
    --cv 3:shuffle:7 --out gbopt/model.json
contains io/out "options: class weight none, impute keep, min-count 0, CV folds shuffled with seed 7" \
    "boosted trees' options line has no C, tol or max-iter"

expect 0 "score --model FOLDER (model.json in it)" score --csv small.csv --model opt --out opt/scores.csv
contains io/out "opt/model.json" "score --model FOLDER names the model file it used"
if [ -s opt/scores.csv ]; then pass=$((pass + 1)); else failed "score --model FOLDER wrote no scores"; fi
expect 0 "score --model FOLDER/ (model named by metrics.json)" score --csv small.csv --model csvmodel/ \
    --out csvmodel/scores.csv
contains io/out "csvmodel/m.json" "score --model FOLDER finds the model its metrics.json names"
mkdir -p nomodel
expect 4 "score --model a folder without a model" score --csv small.csv --model nomodel --out x.csv
contains io/err "nomodel/model.json" "score --model FOLDER says which file it expected"
expect 4 "score --model a missing path" score --csv small.csv --model nowhere/model.json --out x.csv
contains io/err "aftersales train --out" "score --model a missing path says what --model expects"
expect 3 "score --model a file that is not a model" score --csv small.csv --model small.csv --out x.csv
contains io/err "--model expects the model file" "score --model not a model says what --model expects"
expect 3 "score --model metrics.json" score --csv small.csv --model opt/metrics.json --out x.csv
contains io/err "metrics file" "score --model metrics.json says it is the metrics file"
expect 4 "evaluate --model a missing path" evaluate --model nowhere/model.json
contains io/err "aftersales train --out" "evaluate --model a missing path says what --model expects"
expect 2 "train --model given a model file" train --csv small.csv --target y --model opt/model.json --out o/m.json
contains io/err "--out" "train --model PATH points to --out"

{
    echo "x,color,y"
    echo "1,red,yes"
    echo "2,purple,no"
    echo "3,pink,no"
    echo "4,purple,no"
} >unseen.csv
expect 0 "score rows with unseen text values" score --csv unseen.csv --model opt --out opt/unseen.csv
contains io/err "3 rows have a text value the model never saw in training (first: row 2: color=purple)" \
    "score names the first unseen value"
contains io/err "they encode as all zeros" "score says how unseen values encode"
head -n 3 unseen.csv >unseen1.csv
expect 0 "score one row with an unseen text value" score --csv unseen1.csv --model opt --out opt/unseen1.csv
contains io/err "1 row has a text value the model never saw in training (row 2: color=purple)" \
    "score: one unseen row in the singular"

expect 0 "score --help" score --help
for t in "positive class" "also for rows predicted negative" "predicted class"; do
    contains io/out "$t" "score --help says what top_reasons explains: $t"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
