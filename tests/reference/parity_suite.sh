#!/bin/bash
# The parity suite of issue 3 (tests/reference/parity_suite.py): the ml module's splits, scaler, PCA, logistic
# regression and metrics, called one by one through tests/tools/parity_driver, against numpy / scikit-learn
# computed live with /usr/bin/python3; then the same pipeline through the CLI (`aftersales train --csv`) for the
# flags its --help lists. Prints the table "check | ours | reference | difference | tolerance | ok".
# ctest provides AS_SOURCE_DIR (the repository) and AS_BIN (the CLI in the build folder); the driver is found
# beside AS_BIN. Exit 77 (skipped) only when /usr/bin/python3 lacks scikit-learn. Builds nothing.
set -u
src="${AS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
if [ -z "${AS_BIN:-}" ]; then
    echo "parity_suite: AS_BIN is not set (run through ctest, or set AS_BIN=BUILD_DIR/aftersales)" >&2
    exit 1
fi
driver="$(dirname "$AS_BIN")/parity_driver"
if [ ! -x "$driver" ]; then
    echo "parity_suite: $driver is missing: build the parity_driver target (tests/tools/parity_driver.c)" >&2
    exit 1
fi
py=/usr/bin/python3
if ! "$py" -c 'import numpy, scipy, sklearn' 2>/dev/null; then
    echo "parity_suite: SKIPPED: $py lacks numpy/scipy/scikit-learn; install them with" >&2
    echo "    apt-get install python3-sklearn      (make test runs scripts/install-deps.sh test)" >&2
    exit 77
fi
cli=()
[ -x "$AS_BIN" ] && cli=(--cli "$AS_BIN")
exec "$py" -W ignore "$src/tests/reference/parity_suite.py" "$driver" "${cli[@]}"
