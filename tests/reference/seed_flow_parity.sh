#!/usr/bin/env bash
# Runs tests/reference/seed_flow_parity.py: `aftersales train --csv` against pandas + scikit-learn.
set -euo pipefail
if ! /usr/bin/python3 -c 'import sklearn, pandas' 2>/dev/null; then
  echo "Debian's python3-sklearn and python3-pandas are needed: apt-get install -y python3-sklearn python3-pandas"
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 "$(dirname "$0")/seed_flow_parity.py" "${AS_BIN:?}" "$work"
