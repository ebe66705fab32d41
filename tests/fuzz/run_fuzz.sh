#!/usr/bin/env bash
# Runs every libFuzzer target of the fuzz build for a short while; part of `make test`.
#
#   AS_FUZZ_DIR      the clang build tree holding the fuzz_* executables (the Makefile sets it)
#   AS_FUZZ_SECONDS  time per target (default 20)
#
# Each target starts from a scratch copy of tests/fuzz/corpus/<target>/ (so runs never grow the checked-in
# seeds). Exit status: 0 when every target ran clean; 1 when a target crashed, leaked, timed out or is missing
# from the build. Without AS_FUZZ_DIR (or without fuzz sources) there is nothing to run: a note, and 0.
set -u

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
seconds="${AS_FUZZ_SECONDS:-20}"

if [ -z "${AS_FUZZ_DIR:-}" ]; then
    echo "NOTE: AS_FUZZ_DIR is not set, so no fuzz targets were run (make test sets it to the clang build tree)"
    exit 0
fi

shopt -s nullglob
sources=("$here"/fuzz_*.c)
if [ ${#sources[@]} -eq 0 ]; then
    echo "NOTE: no fuzz targets in $here"
    exit 0
fi

status=0
for src in "${sources[@]}"; do
    name="$(basename "$src" .c)"
    bin="$AS_FUZZ_DIR/$name"
    if [ ! -x "$bin" ]; then
        echo "FAIL $name: $bin is missing; build the fuzz tree first (CC=clang cmake -DAS_FUZZ=ON ..., see Makefile)"
        status=1
        continue
    fi
    work="$(mktemp -d "${TMPDIR:-/tmp}/as_fuzz_${name}.XXXXXX")"
    mkdir -p "$work/corpus" "$work/artifacts"
    if [ -d "$here/corpus/$name" ]; then
        cp -- "$here/corpus/$name"/* "$work/corpus/" 2>/dev/null || true
    fi
    # -timeout: one input taking this long is a hang, reported like a crash.
    "$bin" -max_total_time="$seconds" -timeout=25 -print_final_stats=1 \
        -artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log" 2>&1
    rc=$?
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)"
    [ -n "$runs" ] || runs="$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$work/log" | tail -n 1)"
    if [ $rc -ne 0 ]; then
        echo "FAIL $name: exit status $rc after ${runs:-?} executions; log and reproducer kept in $work"
        grep -E '^(==[0-9]+== ?ERROR|SUMMARY|fuzz_|.*runtime error)' "$work/log" | head -n 20
        for a in "$work"/artifacts/*; do echo "  reproduce with: $bin $a"; done
        status=1
    else
        echo "ok   $name: ${runs:-?} executions in ${seconds} s, no crash"
        rm -rf -- "$work"
    fi
done
exit $status
