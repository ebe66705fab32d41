#!/usr/bin/env bash
# The terminal experience on a small simulated shop (docs: README "Terminal output"):
#  - under a pseudo-terminal, ingest, build and train (with cross-validation) draw a progress bar on stderr with a
#    percent, a rate ("/s") and the time left, for each step (ingest, build, and train's load and cv);
#  - with stderr redirected to a file, the same commands write no '\r' and no escape sequence at all (stdout
#    neither), and each command's output ends with its summary: a block "<command>: …" that gives the time
#    taken and the files written;
#  - --quiet prints at most one line on stdout, before or after the command name, and no bar even on a terminal;
#    --verbose is accepted in both places too;
#  - every command's and subcommand's --help (and `aftersales help <command>`) has an example.
# The bar is drawn at every progress report (AS_PROGRESS_INTERVAL=0), so it does not depend on the machine's speed:
# a step reports every 4,096 rows, and the shop is large enough for several reports per step. The pseudo-terminal
# is util-linux `script`, else python3's pty module; without either the terminal checks are skipped.
#
# ctest runs it as `bash terminal.sh` with AS_BIN = the built CLI. It takes about 20 s with the sanitizer build.
set -u
bin=${AS_BIN:?AS_BIN must name the aftersales binary}
case "$bin" in /*) ;; *) bin="$PWD/$bin" ;; esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $1 ($2)"; fi; }
start=$(date +%s)

export AS_PROGRESS_INTERVAL=0
export TERM=xterm   # ctest may run without TERM; "dumb" would turn the bar off

"$bin" simulate --out shop --lines 40000 -q >/dev/null || { echo "simulate failed"; exit 1; }

# ---- a pseudo-terminal -------------------------------------------------------------------------------------
pty_kind=none
if command -v script >/dev/null 2>&1 && script -qfec true /dev/null </dev/null >/dev/null 2>&1; then
    pty_kind=script
elif [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import pty' 2>/dev/null; then
    pty_kind=python
fi
pty_py='
import os, pty, sys
out = open(sys.argv[1], "wb")
def read(fd):
    data = os.read(fd, 65536)
    out.write(data)
    return data
status = pty.spawn(sys.argv[2:], read)
sys.exit(os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status >> 8)
'
# on_tty FILE ARGS...: runs the CLI with stdin, stdout and stderr on a pseudo-terminal; what the terminal received
# goes to FILE, the exit code to $rc.
on_tty() {
    local file=$1
    shift
    if [ "$pty_kind" = script ]; then
        local cmd
        cmd=$(printf '%q ' "$bin" "$@")
        script -qfec "$cmd" /dev/null </dev/null >"$file" 2>&1
        rc=$?
    else
        # pty.spawn also copies the terminal's output to its own stdout: only the file keeps it
        /usr/bin/python3 -c "$pty_py" "$file" "$bin" "$@" </dev/null >/dev/null 2>&1
        rc=$?
    fi
}
# frames FILE: the lines the terminal showed, one per '\r' redraw, without the erase-to-end-of-line sequence.
frames() { tr '\r' '\n' <"$1" | sed 's/\x1b\[K//g'; }
# A frame with a bar, a percent, a rate and the time left: "build   [######..............]  31.2%  12.3k/40.0k
# lines  8.20k/s  0:02 left" (the step's unit after the numbers: B for ingest, lines, rows, folds).
bar_re='^ *\[[#.]+\] +[0-9]+\.[0-9]%  [0-9.]+[kMGT]?B?/[0-9.]+[kMGT]?B?( [a-z]+)?  [0-9.]+[kMGT]?B?/s  [0-9]+:[0-9]{2} left$'
# has_bar FILE STEP: a frame of STEP matches bar_re.
has_bar() { frames "$1" | grep -E "^$2 +\[" | sed -E "s/^$2 +//" | grep -Eq "$bar_re"; }
# never_back FILE STEP: STEP's percent never goes down from one frame to the next (one bar over all its files).
never_back() {
    frames "$1" | grep -E "^$2 +\[" | sed -E 's/^[^]]*\] +([0-9.]+)%.*/\1/' |
        awk 'NR > 1 && $1 + 0 < last { bad = 1 } { last = $1 + 0 } END { exit bad || NR < 2 }'
}

if [ "$pty_kind" = none ]; then
    echo "SKIP (terminal checks): neither util-linux script nor python3's pty module is available"
else
    on_tty ingest.tty ingest --preset canonical shop --db tty.db
    check "ingest on a terminal succeeds" "[ $rc -eq 0 ]"
    check "ingest draws a bar with percent, rate and time left" "has_bar ingest.tty ingest"
    check "ingest counts bytes against the files' total" "frames ingest.tty | grep -Eq '^ingest .*[0-9.]+[kM]B/[0-9.]+[kM]B '"
    check "ingest's percent never goes back over the folder's six files" "never_back ingest.tty ingest"
    check "ingest's summary follows on the terminal" "grep -q 'records read' ingest.tty"
    on_tty build.tty build --db tty.db
    check "build on a terminal succeeds" "[ $rc -eq 0 ]"
    check "build draws a bar with percent, rate and time left" "has_bar build.tty build"
    check "build counts purchase lines against their number" "frames build.tty | grep -Eq '^build .*/[0-9.]+k lines '"
    check "build's percent never goes back" "never_back build.tty build"
    on_tty train.tty train --db tty.db --cv 3 --out tty/model.json
    check "train on a terminal succeeds" "[ $rc -eq 0 ]"
    check "train draws a bar while it loads the rows" "has_bar train.tty load"
    check "train draws a bar over the cross-validation folds" "has_bar train.tty cv"
    check "the folds are counted against k" "frames train.tty | grep -Eq '^cv .* [12]/3 folds '"
    check "the bar is erased before the summary" "frames train.tty | grep -q '^train: summary'"
    on_tty quiet.tty --quiet build --db tty.db
    check "build --quiet on a terminal succeeds" "[ $rc -eq 0 ]"
    check "build --quiet draws no bar on a terminal" "! frames quiet.tty | grep -q '\\['"
    check "build --quiet on a terminal prints one line" "[ \$(frames quiet.tty | grep -c .) -eq 1 ]"
fi

# ---- not a terminal: no '\r', no escape sequences; the summary comes last ---------------------------------
# run NAME ARGS...: stdout in NAME.out, stderr in NAME.err, exit code in $rc.
run() {
    local name=$1
    shift
    "$bin" "$@" >"$name.out" 2>"$name.err"
    rc=$?
}
clean() { ! LC_ALL=C grep -q $'[\r\x1b]' "$1"; }
# last_block FILE: the last paragraph of FILE (after its last blank line).
last_block() { awk 'BEGIN { RS = "" } { b = $0 } END { print b }' "$1"; }
# ends_with_summary NAME HEADER WORDS...: the last block starts with HEADER and has a line with each word.
ends_with_summary() {
    local file=$1.out header=$2 w
    shift 2
    last_block "$file" | head -n 1 | grep -q "^$header" || return 1
    for w in "$@"; do last_block "$file" | grep -q "$w" || return 1; done
}

# to_files NAME ARGS...: runs with stdout and stderr in files; checks success and that neither has '\r' or ESC.
to_files() {
    local name=$1
    shift
    run "$name" "$@"
    check "$name with output to files succeeds" "[ $rc -eq 0 ]"
    check "$name writes no '\\r' or escape sequence to stderr" "clean $name.err"
    check "$name writes no '\\r' or escape sequence to stdout" "clean $name.out"
}
to_files simulate simulate --out small --lines 5000
to_files ingest ingest --preset canonical shop --db file.db
to_files build build --db file.db
to_files train train --db file.db --out model/model.json
to_files evaluate evaluate --model model
to_files score score --db file.db --model model/model.json --out-lines lines.csv --out-orders orders.csv
to_files quality quality --db file.db --out alerts.csv
to_files reasons reasons train --db file.db --out reasons.json --folds 0

check "simulate ends with its summary" "ends_with_summary simulate 'simulate: ' 'purchase lines' elapsed"
check "ingest ends with its summary" "ends_with_summary ingest 'ingest: ' 'records read' loaded rejected elapsed"
check "build ends with its summary" "ends_with_summary build 'build: ' 'feature rows' labelled 'feature columns' elapsed"
check "build shows the class balance before its summary" "grep -q '^class balance' build.out"
check "train ends with its summary" "ends_with_summary train 'train: summary' '^  rows' 'ROC-AUC' elapsed 'wrote model/model.json and model/metrics.json'"
check "evaluate ends with the same summary" "ends_with_summary evaluate 'evaluate: summary' '^  rows' 'ROC-AUC' 'metrics from'"
check "score ends with its summary" "ends_with_summary score 'score: ' 'purchase lines' 'flagged orders' elapsed 'wrote lines.csv' 'wrote orders.csv'"
check "quality ends with its summary" "ends_with_summary quality 'quality: ' '^  alerts' elapsed 'wrote alerts.csv'"
check "reasons train ends with its summary" "ends_with_summary reasons 'reasons train: ' elapsed 'wrote reasons.json'"

# ---- --quiet: at most one line on stdout, before or after the command name; --verbose in both places -------
# one_line NAME ARGS...: runs quietly and checks for success and at most one line on stdout.
one_line() {
    local name=$1
    shift
    run "$name" "$@"
    check "'aftersales $*' succeeds" "[ $rc -eq 0 ]"
    check "'aftersales $*' prints at most one line" "[ \$(wc -l <$name.out) -le 1 ]"
}
# (on the small shop: what is counted here does not depend on its size)
one_line q-simulate -q simulate --out small2 --lines 5000
one_line q-ingest ingest --preset canonical small --db small.db --quiet
one_line q-build --quiet build --db small.db
one_line q-train train -q --db small.db --out small/model.json
one_line q-evaluate evaluate --model small --quiet
one_line q-score -q score --db small.db --model small --out-orders orders.csv
one_line q-quality quality --db small.db --out alerts.csv -q
one_line q-reasons reasons -q train --db small.db --out reasons.json --folds 0
one_line q-reasons2 reasons train --db small.db --out reasons.json --folds 0 --quiet
check "a quiet summary names its files" "grep -q 'orders.csv' q-score.out && grep -q 'alerts.csv' q-quality.out"
run v-before -v evaluate --model model
check "--verbose before the command" "[ $rc -eq 0 ] && grep -q calibration v-before.out"
run v-after evaluate --model model --verbose
check "--verbose after the command" "[ $rc -eq 0 ] && grep -q calibration v-after.out"
run v-reasons reasons -v classify --model reasons.json "arrived broken" "too small"
check "--verbose before a subcommand" "[ $rc -eq 0 ] && grep -q '^reasons classify: 2 texts' v-reasons.out"

# ---- --help with an example everywhere --------------------------------------------------------------------
# Every command the top-level help lists (so a command added later is covered too), and the subcommands.
commands=$("$bin" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }' |
           grep -vx help | tr '\n' ' ')
check "the top-level help lists the commands ($commands)" "[ \$(echo $commands | wc -w) -ge 9 ]"
for c in $commands "reasons train" "reasons classify"; do
    # shellcheck disable=SC2086 # "reasons train" is two words on purpose
    run help $c --help
    check "$c --help has an example" "[ $rc -eq 0 ] && grep -q Example help.out && [ ! -s help.err ]"
done
for c in $commands; do
    run help help "$c"
    check "aftersales help $c has an example" "[ $rc -eq 0 ] && grep -q 'Usage: aftersales $c' help.out && grep -q Example help.out"
done
for sub in train classify; do
    run help reasons help "$sub"
    check "aftersales reasons help $sub" "[ $rc -eq 0 ] && grep -q 'Usage: aftersales reasons $sub' help.out"
done

echo "terminal: $(($(date +%s) - start)) s"
echo "terminal: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
