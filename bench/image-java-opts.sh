#!/usr/bin/env bash
# Prints the JVM flags the image runs with (gateway-node/Dockerfile's JAVA_OPTS), so the benches measure the node
# as users get it: one place reads them (HelmChartTest checks the chart runs the same).
#   PROD_OPTS=$(bench/image-java-opts.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
opts=$(sed -n 's/.*JAVA_OPTS="\([^"]*\)".*/\1/p' gateway-node/Dockerfile | sed -n 1p)
[ -n "$opts" ] || { echo "image-java-opts.sh: no JAVA_OPTS=\"...\" in gateway-node/Dockerfile" >&2; exit 1; }
echo "$opts"
