#!/usr/bin/env bash
# The command-line contract of `aftersales`: every command has --help with an example, and usage and I/O
# errors give the documented exit codes (0 ok, 1 runtime, 2 usage, 3 input data, 4 I/O) with a message
# that names the problem. Every case here is decided by the tool before real work starts, so no data is needed.
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

commands="demo simulate ingest build train evaluate score quality"

# ---- help and version --------------------------------------------------------------------------------
expect 0 "top-level --help" --help
contains io/out "Usage: aftersales" "top-level --help"
contains io/out "Exit codes" "top-level --help lists exit codes"
for c in $commands; do contains io/out "  $c " "top-level --help lists $c"; done
expect 0 "-h" -h
expect 0 "help command" help
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
contains io/err "sometimes" "bad split is named"
expect 2 "score bad --from" score --db a.db --model m.json --from yesterday
contains io/err "yesterday" "bad date is named"
expect 2 "ingest without a file" ingest
expect 2 "ingest two files" ingest a.csv b.csv
expect 2 "ingest unknown preset" ingest --preset nosuch a.csv
contains io/err "nosuch" "unknown preset is named"
expect 2 "score without --model" score --db shop.db
expect 2 "score --csv without --out" score --csv a.csv --model m.json
expect 2 "score --db with --out" score --db shop.db --model m.json --out x.csv
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

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
