#!/bin/bash
# Live parity of the ml module with scikit-learn: runs tests/tools/ml_driver (built beside the CLI) and
# tests/reference/parity_ml.py, which generates the data, runs the same pipeline with scikit-learn and compares.
# ctest provides AS_SOURCE_DIR (the repository) and AS_BIN (the CLI in the build folder). Builds nothing.
set -u
src="${AS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
if [ -z "${AS_BIN:-}" ]; then
    echo "parity_ml: AS_BIN is not set (run through ctest, or set AS_BIN=BUILD_DIR/aftersales)" >&2
    exit 1
fi
driver="$(dirname "$AS_BIN")/ml_driver"
if [ ! -x "$driver" ]; then
    echo "parity_ml: $driver is missing: build the ml_driver target (tests/tools/ml_driver.c) in that build folder" >&2
    exit 1
fi
py=/usr/bin/python3
if ! "$py" -c 'import numpy, sklearn' 2>/dev/null; then
    echo "parity_ml: $py lacks numpy/scikit-learn; install them with" >&2
    echo "    apt-get install python3-numpy python3-sklearn      (make test runs scripts/install-deps.sh test)" >&2
    exit 1
fi
# sklearn warns when lbfgs stops on its ftol; that is expected here and handled in the script
exec "$py" -W ignore "$src/tests/reference/parity_ml.py" "$driver"
