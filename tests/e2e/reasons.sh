#!/usr/bin/env bash
# `aftersales reasons` end to end on a small simulated shop: train on the shop's own texts (self-training from the
# lexicon), classify texts from arguments and stdin, train on a labelled CSV (with --map, and the error for an
# unknown class value naming its line; empty class values, short rows and --map usage), the model file's errors,
# --folds ranges, and --help of each subcommand.
#
# ctest runs it as `bash reasons.sh` with AS_BIN = the built CLI.
set -u
bin=${AS_BIN:?AS_BIN must name the aftersales binary}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $1 ($2)"; fi; }
# run ARGS...: stdout in out.txt, stderr in err.txt, exit code in $rc
run() { "$bin" "$@" >out.txt 2>err.txt; rc=$?; }

"$bin" simulate --out sim --lines 20000 -q || exit 1
"$bin" ingest --preset canonical sim --db shop.db -q || exit 1

# ---- self-training on the shop's texts ----
run reasons train --db shop.db --out model/reasons.json
cat out.txt err.txt
check "train --db succeeds" "[ $rc -eq 0 ]"
check "train --db prints the cross-validated accuracy" "grep -q '5-fold cross-validation: accuracy' out.txt"
check "train --db prints the per-class counts" "grep -Eq '^  size_fit +[0-9,]+' out.txt && grep -Eq '^  defective +[0-9,]+' out.txt"
check "train --db says what the lexicon missed, in case reasons (what quality uses)" "grep -q 'case reasons the lexicon does not recognise: [0-9,]*; the model classifies [0-9,]* of them' out.txt"
check "the model file is written (into a new folder)" "grep -q '\"format\": \"aftersales-reason-model\"' model/reasons.json"
check "the model records its source" "grep -q '\"source\": \"lexicon\"' model/reasons.json"
texts=$(sqlite3 shop.db "SELECT count(*) FROM cases WHERE reason IS NOT NULL AND trim(reason) <> ''")
check "the shop has case reasons ($texts)" "[ '$texts' -gt 100 ]"

# ---- classify ----
run reasons classify --model model/reasons.json "arrived broken" "parcel never came" "the zip came off"
cat out.txt
check "classify succeeds" "[ $rc -eq 0 ]"
check "classify prints a header and one row per text" "[ \$(wc -l < out.txt) -eq 4 ]"
check "a lexicon match is shown as such" "grep -Eq '^defective +lexicon +[a-z_]+ +0\.[0-9]{3}  arrived broken$' out.txt"
check "a text nothing recognises gets a model class and probability" "grep -Eq ' [a-z_]+ +0\.[0-9]{3}  the zip came off$' out.txt"
printf 'too small\n\nnever arrived\r\n  \nDisappointed\n' | "$bin" reasons classify --model model/reasons.json >out.txt 2>err.txt
rc=$?
cat out.txt
check "classify reads stdin, one output line per input line" "[ $rc -eq 0 ] && [ \$(wc -l < out.txt) -eq 6 ]"
check "… an empty line is other, marked (no text), in its place" "sed -n 3p out.txt | grep -Eq '^other +- +- +-  \(no text\)$' && sed -n 5p out.txt | grep -q '(no text)'"
check "stdin lines lose their line ends" "grep -Eq '^delivery +lexicon .*  never arrived$' out.txt"
run -q reasons classify --model model/reasons.json "too small"
check "--quiet prints class and probability" "grep -Eq '^size_fit	0\.[0-9]{3}$' out.txt"
printf 'too small\n\n' | "$bin" -q reasons classify --model model/reasons.json >out.txt 2>err.txt
check "--quiet: an empty line is other with no probability" "[ \$(wc -l < out.txt) -eq 2 ] && sed -n 2p out.txt | grep -qx 'other	-'"
check "classify --help's stdin example reads the database, not a CSV" "\"$bin\" reasons classify --help | grep -q 'sqlite3 shop.db \"SELECT reason FROM cases'"

# ---- a labelled file ----
{
    echo 'id,remark,topic'
    echo '1,"Way too small, send a bigger one",Sizing'
    echo '2,Broken on arrival,Faulty'
    echo '3,"Billing address was wrong",Billing'
    for i in 1 2 3 4 5 6; do
        echo "$((i + 3)),\"the jacket was too tight number $i\",Sizing"
        echo "$((i + 9)),\"the lamp stopped working after $i days\",Faulty"
    done
} >labels.csv
run reasons train --labels labels.csv --text-column remark --class-column topic --map Sizing=size_fit \
    --map Faulty=defective --out bad.json
cat err.txt
check "an unknown class value is a data error (exit 3)" "[ $rc -eq 3 ]"
check "… naming the file, its line and the value" "grep -q \"labels.csv:4: class value 'Billing'\" err.txt"
check "… and the valid class names" "grep -q 'size_fit, defective, not_as_described, wrong_item, delivery, changed_mind, other' err.txt"
check "… with the option that fixes it" "grep -q -- '--map' err.txt"
check "… and no model file" "[ ! -e bad.json ]"
run reasons train --labels labels.csv --text-column remark --class-column topic --map Sizing=size_fit \
    --map Faulty=defective --map Billing=- --out labelled.json
cat out.txt err.txt
check "mapped to '-', the value's rows are skipped" "[ $rc -eq 0 ] && grep -q '1 skipped' out.txt"
check "labels: the classifier's and the lexicon's accuracy" "grep -q '5-fold cross-validation: accuracy' out.txt && grep -q 'lexicon alone on the same texts: accuracy' out.txt"
check "labels: the source is the file" "grep -q '\"source\": \"labels labels.csv\"' labelled.json"
run reasons train --labels labels.csv --text-column text --out x.json
check "a missing text column lists the columns (exit 3)" "[ $rc -eq 3 ] && grep -q \"no text column 'text'; the columns are 'id', 'remark', 'topic'\" err.txt"
run reasons train --labels labels.csv --text-column remark --class-column topic --map Sizing=tiny --out x.json
check "a map to no class is a usage error naming the entry" "[ $rc -eq 2 ] && grep -q \"'Sizing=tiny'\" err.txt"
run reasons train --labels labels.csv --text-column remark --class-column topic --map Sizing --out x.json
check "a map without = is a usage error too" "[ $rc -eq 2 ]"
{ cat labels.csv; echo '20,"the strap snapped off",'; echo '21,"a row without the class field"'; } >labels2.csv
run reasons train --labels labels2.csv --text-column remark --class-column topic --map Sizing=size_fit \
    --map Faulty=defective --map Billing=- --out x.json
check "an empty class value: error advising '=CLASS'" "[ $rc -eq 3 ] && grep -q \"labels2.csv:17: the class value is empty\" err.txt && grep -q \"'=CLASS'\" err.txt"
run reasons train --labels labels2.csv --text-column remark --class-column topic --map Sizing=size_fit \
    --map Faulty=defective --map Billing=- --map '=-' --out x.json
check "… --map '=-' skips it; the short row is counted as skipped with its reason" "[ $rc -eq 0 ] && grep -q '3 skipped (.*row too short' out.txt"
run reasons train --labels labels2.csv --text-column remark --class-column topic --map Sizing=size_fit \
    --map Faulty=defective --map Billing=- --map '=defective' --out x.json
check "… --map '=defective' gives it a class" "[ $rc -eq 0 ] && grep -Eq '^  defective +8$' out.txt && grep -q '2 skipped' out.txt"
run reasons train --labels labels.csv --text-column remark --class-column REMARK --out x.json
check "the same column for text and class is a usage error" "[ $rc -eq 2 ] && grep -q 'two different columns' err.txt"
run reasons train --labels labels.csv --db shop.db --text-column remark --class-column topic --out x.json
check "--labels with --db is a usage error" "[ $rc -eq 2 ] && grep -q -- '--labels and --db' err.txt"

# ---- usage and file errors ----
run reasons train --db shop.db
check "train without --out is a usage error" "[ $rc -eq 2 ] && grep -q 'missing --out' err.txt"
for k in 1 200 -1; do
    run reasons train --db shop.db --out x.json --folds $k
    check "--folds $k is a usage error stating the range" "[ $rc -eq 2 ] && grep -q -- '--folds must be 0 (no cross-validation) or 2 to 100' err.txt"
done
run reasons train --labels labels.csv --text-column remark --class-column topic --map Sizing=size_fit \
    --map Faulty=defective --map Billing=- --out x.json --folds 8
check "--folds above the smallest class names --folds, the range and the class size" "[ $rc -eq 3 ] && grep -q -- '--folds) is 8, expected 0 (none) or 2 to 7: the smallest class in the model, size_fit, has 7 texts' err.txt"
run reasons sort
check "an unknown subcommand is a usage error" "[ $rc -eq 2 ] && grep -q \"unknown subcommand 'sort'\" err.txt"
run reasons train --db absent.db --out x.json
check "a missing database is an I/O error" "[ $rc -eq 4 ]"
run reasons classify --model absent.json "x"
check "a missing model is an I/O error suggesting how to make one" "[ $rc -eq 4 ] && grep -q 'aftersales reasons train' err.txt"
sed 's/"hash_bits": [0-9]*/"hash_bits": 40/' model/reasons.json >broken.json
run reasons classify --model broken.json "x"
check "a malformed model names the file and the key (exit 3)" "[ $rc -eq 3 ] && grep -q \"broken.json: key 'hash_bits'\" err.txt"
for sub in "" train classify; do
    run reasons $sub --help
    check "reasons $sub --help shows an example" "[ $rc -eq 0 ] && grep -q 'aftersales reasons' out.txt && grep -qi 'example' out.txt"
done
run help reasons
check "aftersales help reasons" "[ $rc -eq 0 ] && grep -q 'train|classify' out.txt"

echo "reasons: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
