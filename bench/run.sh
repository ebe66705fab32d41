#!/usr/bin/env bash
# Benchmarks (make bench; docs/performance.md). Figures, not pass/fail. Usage: bench/run.sh [BUILD_DIR]
#
# For each data set — the simulated shop at each size of BENCH_SIZES, then the UCI Online Retail file — it prints
#   1. the job, step by step (simulate, ingest, build, train, evaluate, score, quality, report, export): wall and CPU
#      seconds and peak memory (GNU time), rows, rows per second, and the size of what the step wrote;
#   2. the flat seed flow on the exported feature table (export --features main): aftersales train --csv against
#      the seed script in pandas + scikit-learn (seed_pipeline.py --scale) and liblinear-train -s 0 -B 1 on the
#      standardized design matrix, with the accuracy and ROC-AUC each reached and the ratios reference / ours;
#   3. CSV parsing: our reader and typed table against pandas.read_csv on the same file (MB/s, ratio).
# Then the linearity of each step over the sizes (time per line, t(size) / t(smallest) against the rows ratio), the
# logistic-regression solver table (bench/solvers.sh) and the quality alerts against planted defects
# (bench/quality.sh). Everything printed also goes to bench-out/bench-YYYYMMDD-HHMM.txt.
#
# Environment:
#   BENCH_SIZES="1000000 10000000 50000000"   simulated shop sizes (purchase lines)
#   BENCH_MAX_LINES=N        skip sizes above N
#   BENCH_REF_MAX_ROWS=2000000   the reference stack reads at most the first N rows of the flat file
#   BENCH_LARGE_LINES=20000000   sizes at or above N run as a large shop is meant to: build --features main, train
#                            --features main --max-rows BENCH_TRAIN_SAMPLE (2000000), the shop's CSV files deleted
#                            once ingested, and the flat seed flow on the first BENCH_REF_MAX_ROWS rows only (all
#                            of them need more memory than this machine has). Smaller sizes time the same two steps
#                            too, at their end ("build (main set)", "train (main set, sample)"), so the linearity
#                            table compares like with like
#   BENCH_WORK=DIR           scratch space (default: $TMPDIR or /tmp); a size is skipped when the free space there
#                            is below its estimate (from the largest size run so far, else 3 GB per million lines)
#   BENCH_FREE_MB=N          pretend that N MB are free (to try the skip logic)
#   BENCH_RETAIL=0           skip Online Retail;  BENCH_SOLVERS=0  skip the solver table
#   BENCH_QUALITY_SEEDS="1 2 3"   seeds of bench/quality.sh ("" skips it)
#   BENCH_OUT=DIR            where the copy of the output goes (default: bench-out/ in the source tree)
#   AS_SHARED_DATA=DIR       the shared raw data (default: ../shared/data/raw beside the source tree)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${1:-build}
case "$build" in /*) ;; *) build="$PWD/$build" ;; esac
bin="$build/aftersales"
[ -x "$bin" ] || { echo "bench/run.sh: no $bin; build first (make build, or cmake --build $build)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench/run.sh: GNU time (/usr/bin/time) is needed (apt-get install time)" >&2; exit 2; }
sizes=${BENCH_SIZES:-1000000 10000000 50000000}
max_lines=${BENCH_MAX_LINES:-}
ref_max=${BENCH_REF_MAX_ROWS:-2000000}
large_lines=${BENCH_LARGE_LINES:-20000000}
train_sample=${BENCH_TRAIN_SAMPLE:-2000000}
data=${AS_SHARED_DATA:-$root/../shared/data/raw}
retail="$data/uci-online-retail/online_retail.csv.gz"
seed="$root/../shared/reference/seed_pipeline.py"
py=/usr/bin/python3
default_mb_per_mline=3000   # scratch MB per million lines before any size has run (1 M measured: see the docs)
large_mb_per_mline=1100     # the same for a large shop (main set, CSV files deleted): 50 M measured, see the docs

outdir=${BENCH_OUT:-$root/bench-out}
mkdir -p "$outdir"
out_file="$outdir/bench-$(date +%Y%m%d-%H%M).txt"
work=$(mktemp -d "${BENCH_WORK:-${TMPDIR:-/tmp}}/aftersales-bench.XXXXXX")
exec > >(tee "$out_file") 2>&1
tee_pid=$!
finish() { rm -rf "$work"; exec 1>&- 2>&-; wait "$tee_pid" 2>/dev/null || true; }
trap finish EXIT
results="$work/results.tsv"   # kind, lines, step, wall, cpu, peak MB, rows
: > "$results"

have_py() { "$py" -c "import $1" 2>/dev/null; }
num() { tr -d ',' <<< "${1:-}"; }
# The first whole number of a command's one-line (-q) summary, without separators; "?" when there is none.
first_number() { local n; n=$(grep -o '[0-9][0-9,]*' "$1" 2>/dev/null | head -1 | tr -d ,); echo "${n:-?}"; }
# total size in MB (10^6 bytes, as the CLI reports sizes), of files or of everything under folders
mb() { du -cb "$@" 2>/dev/null | tail -1 | awk '{ printf "%.0f", $1 / 1e6 }'; }
human() { awk -v n="$1" 'BEGIN { if (n >= 1e6 && n % 1e6 == 0) printf "%dM", n / 1e6; else if (n >= 1e3 && n % 1e3 == 0) printf "%dk", n / 1e3; else printf "%d", n }'; }
# 1234567 -> 1,234,567 (anything else unchanged)
sep() { awk -v n="$1" 'BEGIN { if (n !~ /^[0-9]+$/) { print n; exit } s = ""; while (length(n) > 3) { s = "," substr(n, length(n) - 2) s; n = substr(n, 1, length(n) - 3) } print n s }'; }
# a metric with 4 decimals ("-" when it is not a number)
m4() { awk -v x="${1:-}" 'BEGIN { if (x ~ /^[0-9.]+$/) printf "%.4f", x; else print "-" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || a == "-" || b == "-" || b + 0 <= 0) print "-"; else printf "%.2fx", a / b }'; }
per_s() { awk -v r="$1" -v t="$2" 'BEGIN { if (r !~ /^[0-9]+$/ || t + 0 <= 0) print "-"; else printf "%.0f", r / t }'; }
free_mb() {
  if [ -n "${BENCH_FREE_MB:-}" ]; then echo "$BENCH_FREE_MB"; else df -Pm "$work" | awk 'NR == 2 { print $4 }'; fi
}

# timed LOG CMD...: runs CMD under GNU time with its output in LOG; sets W (wall s), C (user + system s), P (peak
# MB). Returns CMD's exit status.
timed() {
  local log=$1 rc=0 u s kb
  shift
  /usr/bin/time -f '%e %U %S %M' -o "$log.time" "$@" > "$log" 2>&1 || rc=$?
  read -r W u s kb < <(tail -1 "$log.time") || true
  if ! [[ "${kb:-}" =~ ^[0-9]+$ ]]; then W=0 u=0 s=0 kb=0; fi
  C=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
  P=$((kb / 1024))
  return $rc
}
failed() {   # failed NAME LOG
  echo "  $1 FAILED (see below); the rest of this data set is skipped"
  tail -n 8 "$2" | sed 's/^/    | /'
}

step_header() {
  printf '  %-30s %9s %9s %9s %12s %11s  %s\n' step "wall s" "CPU s" "peak MB" rows "rows/s" "output"
}
# record NAME ROWS: keeps the last timed run (W, C, P) of the current data set ($kind, $n) for the linearity table.
record() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$n" "$1" "$W" "$C" "$P" "$2" >> "$results"; }
# step_row NAME ROWS OUTPUT: one row of the step table, recorded.
step_row() {
  printf '  %-30s %9.2f %9.2f %9d %12s %11s  %s\n' "$1" "$W" "$C" "$P" "$(sep "$2")" "$(sep "$(per_s "$2" "$W")")" "$3"
  record "$1" "$2"
}

# json_test FILE KEY: the test metric KEY of a metrics.json ("-" when absent).
json_test() {
  "$py" -c 'import json, sys
try: print("%.4f" % json.load(open(sys.argv[1]))["test"][sys.argv[2]])
except Exception: print("-")' "$1" "$2" 2>/dev/null || echo "-"
}

# csv_rows LABEL FILE: our CSV reader and typed table against pandas.read_csv on FILE.
csv_rows() {
  local file=$1 size repeats=3 cs ct pd
  size=$(mb "$file")
  [ "$size" -gt 1000 ] && repeats=1
  echo
  echo "  CSV parsing: $(basename "$file") ($size MB; best of $repeats)"
  printf '    %-58s %9s %9s\n' reader "MB/s" "x pandas"
  if [ -x "$build/bench_csv" ] && have_py pandas; then
    "$build/bench_csv" "$file" "$repeats" > "$work/bench_csv.out" 2>&1 || true
    cs=$(sed -n 's/^csv reader.* \([0-9.]*\) MB\/s of text.*/\1/p' "$work/bench_csv.out")
    ct=$(sed -n 's/^table.* \([0-9.]*\) MB\/s of text.*/\1/p' "$work/bench_csv.out")
    "$py" "$here/refstack.py" read-csv "$file" "$repeats" > "$work/pd.out" 2>&1 || true
    pd=$(sed -n 's/.*mb_per_s=\([0-9.]*\).*/\1/p' "$work/pd.out")
    printf '    %-58s %9s %9s\n' "aftersales CSV reader (records and fields: tokenizing only)" "${cs:--}" "$(ratio "${cs:-}" "${pd:-}")"
    printf '    %-58s %9s %9s\n' "aftersales typed table (types inferred per column)" "${ct:--}" "$(ratio "${ct:-}" "${pd:-}")"
    printf '    %-58s %9s %9s\n' "pandas.read_csv (types inferred per column)" "${pd:--}" "1.00x"
  else
    echo "    NOTE: needs $build/bench_csv and pandas in $py; skipped"
  fi
}

# flow_row NAME ROWS ACCURACY ROC_AUC TIME_RATIO PEAK_RATIO: one row of the flat seed flow table (W, C, P as timed).
flow_row() {
  printf '    %-44s %10s %9.2f %9.2f %9d %11s %9s %8s %9s %9s\n' "$1" "$(sep "$2")" "$W" "$C" "$P" \
    "$(sep "$(per_s "$2" "$W")")" "$(m4 "$3")" "$(m4 "$4")" "$5" "$6"
}

# seed_flow DIR FLAT ROWS: the flat seed flow on the exported file, ours against the reference stack.
seed_flow() {
  local d=$1 flat=$2 rows=$3 large=${4:-0} ref_in=$2 ref_rows=$3 capped=0 base_w base_p acc auc cols
  cols=$(head -1 "$flat" | tr ',' '\n' | wc -l)
  echo
  echo "  flat seed flow on $(basename "$flat") (export --features main: $(sep "$rows") rows, $cols columns, $(mb "$flat") MB)"
  if [[ "$rows" =~ ^[0-9]+$ ]] && [ "$rows" -gt "$ref_max" ]; then
    head -n $((ref_max + 1)) "$flat" > "$d/flat-ref.csv"
    ref_in="$d/flat-ref.csv" ref_rows=$ref_max capped=1
  fi
  printf '    %-44s %10s %9s %9s %9s %11s %9s %8s %9s %9s\n' program rows "wall s" "CPU s" "peak MB" "rows/s" accuracy \
    ROC-AUC "time/ours" "peak/ours"
  if [ "$capped" = 1 ] && [ "$large" = 1 ]; then
    rm -f "$flat"   # the large shop's flat file: only its first rows are used
    echo "    (large shop: aftersales train --csv on all $(sep "$rows") rows is left out; it would hold them all in memory)"
  elif ! timed "$d/flat-train.log" "$bin" -q train --csv "$flat" --target label --out "$d/flat/model.json"; then
    failed "aftersales train --csv" "$d/flat-train.log"
    return 1
  else
    base_w=$W base_p=$P
    record "train --csv (flat file)" "$rows"
  fi
  if [ "$capped" = 1 ]; then
    [ "$large" = 0 ] && flow_row "aftersales train --csv (all rows)" "$rows" \
      "$(json_test "$d/flat/metrics.json" accuracy)" "$(json_test "$d/flat/metrics.json" roc_auc)" "-" "-"
    if ! timed "$d/flat-train-ref.log" "$bin" -q train --csv "$ref_in" --target label --out "$d/flatref/model.json"; then
      failed "aftersales train --csv (first rows)" "$d/flat-train-ref.log"
      return 1
    fi
    base_w=$W base_p=$P
    flow_row "aftersales train --csv (first $(human "$ref_rows") rows)" "$ref_rows" \
      "$(json_test "$d/flatref/metrics.json" accuracy)" "$(json_test "$d/flatref/metrics.json" roc_auc)" "1.00x" "1.00x"
  else
    flow_row "aftersales train --csv" "$rows" "$(json_test "$d/flat/metrics.json" accuracy)" \
      "$(json_test "$d/flat/metrics.json" roc_auc)" "1.00x" "1.00x"
  fi
  if have_py sklearn && [ -f "$seed" ]; then
    if timed "$d/seed.log" "$py" "$seed" "$ref_in" label --scale; then
      # "accuracy=…" itself, not the "majority_class_accuracy=…" the seed prints after it on the same line
      acc=$(grep -o '\baccuracy=[0-9.]*' "$d/seed.log" | head -1 | cut -d= -f2)
      auc=$(sed -n 's/.*roc_auc=\([0-9.na]*\).*/\1/p' "$d/seed.log" | head -1)
      flow_row "seed_pipeline.py --scale (pandas + sklearn)" "$ref_rows" "${acc:--}" "${auc:--}" \
        "$(ratio "$W" "$base_w")" "$(ratio "$P" "$base_p")"
    else
      echo "    seed_pipeline.py FAILED: $(tail -n 2 "$d/seed.log" | tr '\n' ' ')"
    fi
  else
    echo "    NOTE: $py has no scikit-learn or $seed is absent; the seed script's row is skipped"
  fi
  local llnote=""
  if command -v liblinear-train > /dev/null && have_py sklearn; then
    if "$py" "$here/refstack.py" libsvm "$ref_in" label "$d/ll" > "$d/ll-prep.log" 2>&1; then
      local p_cols prep_s
      p_cols=$(sed -n 's/.*cols=\([0-9]*\).*/\1/p' "$d/ll-prep.log")
      prep_s=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' "$d/ll-prep.log")
      if timed "$d/ll-train.log" liblinear-train -s 0 -B 1 "$d/ll.train.svm" "$d/ll.model" &&
         liblinear-predict -b 1 "$d/ll.test.svm" "$d/ll.model" "$d/ll.pred" > /dev/null 2>&1; then
        "$py" "$here/refstack.py" metrics "$d/ll.test.svm" "$d/ll.pred" > "$d/ll-metrics.log" 2>&1 || true
        acc=$(grep -o '\baccuracy=[0-9.]*' "$d/ll-metrics.log" | head -1 | cut -d= -f2)
        auc=$(sed -n 's/.*roc_auc=\([0-9.na]*\).*/\1/p' "$d/ll-metrics.log")
        flow_row "liblinear-train -s 0 -B 1 (fit only)" "$ref_rows" "${acc:--}" "${auc:--}" \
          "$(ratio "$W" "$base_w")" "$(ratio "$P" "$base_p")"
        llnote="    liblinear: the seed's get_dummies matrix ($p_cols columns) standardized, no PCA; trained on the 80 % training
    rows of train_test_split(0.2, 42), scored on the rest (liblinear-predict -b 1). Its wall time includes reading
    the libsvm text ($(mb "$d/ll.train.svm") MB), not writing it (bench/refstack.py libsvm: $prep_s s)."
      else
        echo "    liblinear-train FAILED: $(tail -n 2 "$d/ll-train.log" | tr '\n' ' ')"
      fi
    else
      echo "    the libsvm conversion FAILED: $(tail -n 2 "$d/ll-prep.log" | tr '\n' ' ')"
    fi
  else
    echo "    NOTE: liblinear-train (liblinear-tools) or scikit-learn is missing; the LIBLINEAR row is skipped"
  fi
  echo "    time/ours, peak/ours: the program's wall time and peak memory over aftersales train --csv on the same rows"
  echo "    (above 1: aftersales is faster / smaller)."
  if [ "$capped" = 1 ]; then
    echo "    CAPPED: the reference stack read the first $(sep "$ref_rows") of $(sep "$rows") rows (BENCH_REF_MAX_ROWS=$ref_max);"
    echo "    aftersales ran on both, and the ratios compare it on the same rows."
  fi
  local stages
  stages=$(sed -n 's/^seconds: //p' "$d/seed.log" 2>/dev/null || true)
  [ -n "$stages" ] && echo "    seed_pipeline.py stages (s): $stages"
  [ -n "$llnote" ] && echo "$llnote"
  csv_rows "$ref_in"
  return 0
}

# dataset KIND N TITLE: the whole job on one data set (KIND shop: simulated with N lines; retail: Online Retail).
# Sets the globals kind and n that record() files the rows under.
dataset() {
  kind=$1 n=$2
  local title=$3 d="$work/$1-$2" db lines labelled x large=0 bname=build tname=train
  local bflags=() tflags=()
  db="$d/shop.db"
  if [ "$kind" = shop ] && [ "$n" -ge "$large_lines" ]; then
    large=1 bname="build (main set)" tname="train (main set, sample)"
    bflags=(--features main) tflags=(--features main --max-rows "$train_sample")
  fi
  mkdir -p "$d"
  echo
  echo "== $title =="
  step_header
  if [ "$kind" = shop ]; then
    local customers=$((n / 15)) products=$((n / 100 > 600 ? n / 100 : 600))
    [ "$customers" -lt 4000 ] && customers=4000
    timed "$d/simulate.log" "$bin" -q simulate --out "$d/shop" --lines "$n" --customers "$customers" \
      --products "$products" || { failed simulate "$d/simulate.log"; return 1; }
    step_row simulate "$(first_number "$d/simulate.log")" "CSV files, $(mb "$d/shop") MB"
    timed "$d/ingest.log" "$bin" -q ingest --preset canonical "$d/shop" --db "$db" ||
      { failed ingest "$d/ingest.log"; return 1; }
    [ "$large" = 1 ] && rm -rf "$d/shop"   # scratch space: the database holds everything from here on
  else
    timed "$d/ingest.log" "$bin" -q ingest --preset online-retail "$retail" --db "$db" ||
      { failed ingest "$d/ingest.log"; return 1; }
  fi
  step_row ingest "$(first_number "$d/ingest.log")" "database, $(mb "$db"*) MB"
  timed "$d/build.log" "$bin" -q build --db "$db" ${bflags[@]+"${bflags[@]}"} || { failed build "$d/build.log"; return 1; }
  lines=$(first_number "$d/build.log")
  labelled=$(sed -n 's/.* \([0-9][0-9,]*\) labelled.*/\1/p' "$d/build.log" | head -1 | tr -d ,)
  step_row "$bname" "$lines" "database, $(mb "$db"*) MB"
  local split=()
  [ "$kind" = retail ] && split=(--split time:2011-08-01)
  timed "$d/train.log" "$bin" -q train --db "$db" ${split[@]+"${split[@]}"} ${tflags[@]+"${tflags[@]}"} \
    --out "$d/model/model.json" || { failed train "$d/train.log"; return 1; }
  [ "$large" = 1 ] && [ -n "$labelled" ] && [ "$labelled" -gt "$train_sample" ] && labelled=$train_sample
  step_row "$tname" "${labelled:-?}" "model + metrics, $(mb "$d/model") MB"
  if [ "$kind" = retail ]; then
    if timed "$d/gbdt.log" "$bin" -q train --db "$db" ${split[@]+"${split[@]}"} --model gbdt --out "$d/gbdt/model.json"
    then step_row "train (boosted trees)" "${labelled:-?}" "model + metrics, $(mb "$d/gbdt") MB"
    else echo "  train (boosted trees) FAILED: $(tail -n 1 "$d/gbdt.log")"; fi
  fi
  timed "$d/evaluate.log" "$bin" -q evaluate --model "$d/model/model.json" || { failed evaluate "$d/evaluate.log"; return 1; }
  step_row evaluate "-" "(reads metrics.json)"
  timed "$d/score.log" "$bin" -q score --db "$db" --model "$d/model/model.json" --out-lines "$d/lines.csv" \
    --out-orders "$d/orders.csv" || { failed score "$d/score.log"; return 1; }
  step_row score "$(first_number "$d/score.log")" "scores CSV, $(mb "$d/lines.csv" "$d/orders.csv") MB"
  timed "$d/quality.log" "$bin" -q quality --db "$db" --out "$d/alerts.csv" || { failed quality "$d/quality.log"; return 1; }
  step_row quality "$lines" "alerts CSV, $(mb "$d/alerts.csv") MB"
  timed "$d/report.log" "$bin" -q report --db "$db" --model "$d/model/model.json" --out "$d/report.html" ||
    { failed report "$d/report.log"; return 1; }
  step_row report "$lines" "report.html, $(mb "$d/report.html") MB"
  timed "$d/export.log" "$bin" -q export --db "$db" --features main --out "$d/flat.csv" ||
    { failed export "$d/export.log"; return 1; }
  x=$(first_number "$d/export.log")
  step_row export "$x" "flat.csv, $(mb "$d/flat.csv") MB"
  if [ "$kind" = shop ] && [ "$large" = 0 ]; then
    # the large shop's two steps at this size too, last (the main-set build replaces the database's features)
    if timed "$d/build-main.log" "$bin" -q build --db "$db" --features main; then
      step_row "build (main set)" "$(first_number "$d/build-main.log")" "database, $(mb "$db"*) MB"
      if timed "$d/train-main.log" "$bin" -q train --db "$db" --features main --max-rows "$train_sample" \
           --out "$d/model-main/model.json"; then
        [ -n "$labelled" ] && [ "$labelled" -gt "$train_sample" ] && labelled=$train_sample
        step_row "train (main set, sample)" "${labelled:-?}" "model + metrics, $(mb "$d/model-main") MB"
      else echo "  train (main set, sample) FAILED: $(tail -n 1 "$d/train-main.log")"; fi
    else echo "  build (main set) FAILED: $(tail -n 1 "$d/build-main.log")"; fi
  fi
  echo "  rows: simulate = purchase lines written, ingest = records read, build = feature rows (purchase lines),"
  echo "  train = labelled rows (train + test), score = lines scored, quality and report = purchase lines, export = rows written."
  [ "$kind" = shop ] && echo "  main set: build --features main (the main job's 36 columns); sample: train --max-rows $(sep "$train_sample")" \
    "(a uniform sample of the labelled rows when there are more)."

  if [ "$kind" = retail ] && [ -f "$d/gbdt/metrics.json" ]; then
    echo
    echo "  test metrics (time split at 2011-08-01):"
    "$py" - "$d/model/metrics.json" "$d/gbdt/metrics.json" <<'PY' || true
import json, sys
print(f"    {'model':<22}{'ROC-AUC':>9}{'PR-AUC':>9}{'log loss':>10}{'Brier':>9}{'top 1 %':>9}{'top 5 %':>9}")
for name, path in (("logistic regression", sys.argv[1]), ("boosted trees", sys.argv[2])):
    t = json.load(open(path))["test"]
    print(f"    {name:<22}{t['roc_auc']:9.4f}{t['pr_auc']:9.4f}{t['log_loss']:10.4f}{t['brier']:9.4f}"
          f"{t['precision_top1']:9.4f}{t['precision_top5']:9.4f}")
PY
  fi
  seed_flow "$d" "$d/flat.csv" "$x" "$large" || true
  if [ "$kind" = retail ] && [ -x "$build/bench_csv" ]; then
    zcat "$retail" > "$d/retail.csv"
    csv_rows "$d/retail.csv"
  fi
  return 0
}

# snapshot SCRIPT ARGS...: runs a sibling script from a copy read into memory first, so that an edit to the file while
# the benchmark runs (others keep working on the tree) cannot break it halfway; $0 stays the script's path.
snapshot() { local script=$1; shift; bash -c "$(cat "$script")" "$script" "$@"; }

main() {
# ---- machine facts ------------------------------------------------------------------------------------------
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ "$commit" != unknown ] && [ -n "$(GIT_OPTIONAL_LOCKS=0 git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
  commit="$commit + uncommitted changes"
fi
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
[ -n "$cpu" ] || cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)
echo "aftersales benchmarks, $(date '+%Y-%m-%d %H:%M %Z')"
echo "  machine    $(nproc) cores, $(awk '/^MemTotal/ { printf "%.1f GB RAM", $2 / 1048576 }' /proc/meminfo), ${cpu:-unknown CPU}, $(uname -sr)"
echo "  load       $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min; figures are only comparable on a quiet machine)"
echo "  commit     $commit"
echo "  binary     $bin ($("$bin" --version), $(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt" 2>/dev/null || echo '?'))"
if have_py numpy; then
  versions=$("$py" -c 'import sys, numpy, pandas, scipy, sklearn
print("Python %s, numpy %s, pandas %s, scipy %s, scikit-learn %s" % (sys.version.split()[0], numpy.__version__,
      pandas.__version__, scipy.__version__, sklearn.__version__))' 2>/dev/null || echo "Python without pandas / scikit-learn")
  echo "  reference  $versions"
fi
liblinear=$(dpkg-query -W -f='${Version}' liblinear-tools 2>/dev/null || echo absent)
echo "             liblinear-tools $liblinear, SQLite $(sqlite3 --version 2>/dev/null | cut -d' ' -f1)"
echo "  scratch    $work ($(free_mb) MB free${BENCH_FREE_MB:+, as BENCH_FREE_MB says})"
echo "  settings   BENCH_SIZES=\"$sizes\" BENCH_MAX_LINES=${max_lines:-none} BENCH_REF_MAX_ROWS=$ref_max" \
  "BENCH_LARGE_LINES=$large_lines BENCH_TRAIN_SAMPLE=$train_sample"
echo "  output     $out_file"

# ---- the simulated shop at each size ------------------------------------------------------------------------
mb_per_mline=$default_mb_per_mline basis="no size has run yet: $default_mb_per_mline MB per million lines assumed"
for n in $sizes; do
  title="simulated shop, $(human "$n") purchase lines"
  if [ -n "$max_lines" ] && [ "$n" -gt "$max_lines" ]; then
    echo; echo "== $title: SKIPPED (above BENCH_MAX_LINES=$max_lines) =="
    continue
  fi
  per=$mb_per_mline
  if [ "$n" -ge "$large_lines" ]; then
    per=$large_mb_per_mline basis="a large shop (main set, CSV files deleted once ingested): $large_mb_per_mline MB per million lines"
  fi
  need=$(awk -v m="$per" -v n="$n" 'BEGIN { printf "%.0f", m * n / 1e6 * 1.15 }')
  have=$(free_mb)
  if [ "$need" -gt "$have" ]; then
    echo; echo "== $title: SKIPPED (needs about $need MB of scratch space, $have MB free in $(dirname "$work"); estimate: $basis, + 15 %) =="
    continue
  fi
  if dataset shop "$n" "$title"; then
    used=$(du -sm "$work/shop-$n" | cut -f1)
    dbmb=$(mb "$work/shop-$n/shop.db"*)
    mb_per_mline=$(awk -v u="$used" -v n="$n" 'BEGIN { printf "%.0f", u / (n / 1e6) }')
    basis="the $(human "$n") run used $used MB of scratch space (database $dbmb MB), $mb_per_mline MB per million lines"
    echo "  scratch space used: $used MB (database $dbmb MB)"
  fi
  rm -rf "$work/shop-$n"
done

# ---- linearity -----------------------------------------------------------------------------------------------
echo
echo "== linearity: wall time per purchase line (microseconds) at each size, and t(size) / t(smallest) =="
awk -F'\t' '
  $1 == "shop" { if (!($2 in seen)) { seen[$2] = 1; size[++ns] = $2 }
                 if (!($3 in sk)) { sk[$3] = 1; step[++nst] = $3 }
                 t[$3, $2] = $4 }
  END {
    if (ns < 2) { print "  (needs two sizes or more; " ns " ran)"; if (ns == 0) exit }
    for (i = 2; i <= ns; i++) for (j = i; j > 1 && size[j] + 0 < size[j - 1] + 0; j--) { x = size[j]; size[j] = size[j - 1]; size[j - 1] = x }
    printf "  %-30s", "step"
    for (i = 1; i <= ns; i++) printf " %11s", "us/line " lbl(size[i])
    for (i = 2; i <= ns; i++) printf " %16s", lbl(size[i]) "/" lbl(size[1])
    printf "\n"
    for (k = 1; k <= nst; k++) {
      s = step[k]; printf "  %-30s", s
      for (i = 1; i <= ns; i++) printf " %11s", ((s, size[i]) in t) ? sprintf("%.2f", t[s, size[i]] / size[i] * 1e6) : "-"
      for (i = 2; i <= ns; i++) {
        if (((s, size[i]) in t) && ((s, size[1]) in t) && t[s, size[1]] > 0) {
          r = t[s, size[i]] / t[s, size[1]]; bar = 1.1 * size[i] / size[1]
          printf " %16s", sprintf("%.1fx%s", r, r <= bar ? "" : " (!)")
        } else printf " %16s", "-"
      }
      printf "\n"
    }
    if (ns >= 2) {
      printf "  the bar (issue 7): at most 1.1 x the rows ratio:"
      for (i = 2; i <= ns; i++) printf " %s/%s <= %.1fx", lbl(size[i]), lbl(size[1]), 1.1 * size[i] / size[1]
      printf "; (!) marks a step above it\n"
    }
  }
  function lbl(n) { return (n % 1000000 == 0) ? (n / 1000000) "M" : (n % 1000 == 0) ? (n / 1000) "k" : n }
' "$results"

# ---- Online Retail ---------------------------------------------------------------------------------------------
if [ "${BENCH_RETAIL:-1}" = 0 ]; then
  echo; echo "== UCI Online Retail: SKIPPED (BENCH_RETAIL=0) =="
elif [ ! -f "$retail" ]; then
  echo; echo "== UCI Online Retail: SKIPPED ($retail is absent; AS_SHARED_DATA names the raw data folder) =="
else
  dataset retail 541909 "UCI Online Retail (online_retail.csv.gz, 541,909 records)" || true
  rm -rf "$work/retail-541909"
fi

# ---- solvers, quality --------------------------------------------------------------------------------------------
echo
echo "== logistic-regression solvers against LIBLINEAR and scikit-learn (bench/solvers.sh: ${BENCH_ROWS:-1000000} x ${BENCH_COLS:-30}, same matrix) =="
if [ "${BENCH_SOLVERS:-1}" = 0 ]; then
  echo "  SKIPPED (BENCH_SOLVERS=0)"
elif [ -x "$build/bench_solvers" ]; then
  snapshot "$here/solvers.sh" "$build" 2>&1 | sed 's/^/  /' || echo "  solvers.sh failed"
else
  echo "  SKIPPED: $build/bench_solvers is missing (needs liblinear-dev: scripts/install-deps.sh bench)"
fi

seeds=${BENCH_QUALITY_SEEDS-1 2 3}
echo
if [ -z "$seeds" ]; then
  echo "== quality alerts against planted defects: SKIPPED (BENCH_QUALITY_SEEDS is empty) =="
else
  echo "== quality alerts against planted defects (bench/quality.sh; seeds $seeds, ${LINES:-1000000} lines each) =="
  # shellcheck disable=SC2086
  snapshot "$here/quality.sh" "$build" $seeds 2>&1 | sed 's/^/  /' || echo "  quality.sh failed"
fi
echo
echo "Written to $out_file"
}

# main and exit on one line: bash has read all of main before it runs, and never reads past this line, so editing this
# file during a run (others keep working on the tree) does not change the run.
main; exit
