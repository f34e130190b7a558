#!/usr/bin/env bash
# Refreshes the GraphiQL IDE files embedded in the server, with their
# licences, from pinned npm package versions. Run from anywhere:
#   bash internal/ide/refresh.sh
set -euo pipefail

GRAPHIQL=3.9.0
REACT=18.3.1
GRAPHQL_WS=5.16.2
GRAPHQL=16.15.0

here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund --ignore-scripts \
  "graphiql@$GRAPHIQL" "react@$REACT" "react-dom@$REACT" "graphql-ws@$GRAPHQL_WS" "graphql@$GRAPHQL" >/dev/null

out="$here/assets"
rm -rf "$out"
mkdir -p "$out/licenses"
cp node_modules/graphiql/graphiql.min.js node_modules/graphiql/graphiql.min.css "$out/"
cp node_modules/react/umd/react.production.min.js "$out/"
cp node_modules/react-dom/umd/react-dom.production.min.js "$out/"
cp node_modules/graphql-ws/umd/graphql-ws.min.js "$out/"
for pkg in graphiql react react-dom graphql-ws graphql; do
  cp "node_modules/$pkg/LICENSE"* "$out/licenses/$pkg.LICENSE"
done
cat >"$out/VERSIONS" <<VERSIONS
graphiql $GRAPHIQL
react $REACT
react-dom $REACT
graphql-ws $GRAPHQL_WS
graphql $GRAPHQL (bundled inside graphiql.min.js)
VERSIONS
echo "IDE assets refreshed in $out"
