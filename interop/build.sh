#!/usr/bin/env bash
# Builds every interop peer from its published module or package at the pinned version
# (interop/versions.env) into the ignored cache folder, keyed by version and a hash of the inputs:
#   - OCB, then the Collector from interop/collector/manifest.yaml
#   - the OpAMP Supervisor (interop/supervisor/go.mod pins it; its go.sum is committed)
#   - ampgate-goagent, our own agent on opamp-go's client module (interop/goagent)
#   - a virtualenv with the Python opentelemetry-opamp-client (interop/python/requirements.txt)
# A peer whose output already exists is not rebuilt (warm run: seconds). Go's module and build
# caches live in the cache folder too. Writes <cache>/peers.json, which the interop tests read.
#
# Usage: bash interop/build.sh            (AMPGATE_INTEROP_CACHE overrides <repo>/.interop-cache)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=versions.env
source "$ROOT/interop/versions.env"
CACHE="${AMPGATE_INTEROP_CACHE:-$ROOT/.interop-cache}"
mkdir -p "$CACHE/logs"

for tool in go python3; do
  command -v "$tool" >/dev/null || { echo "interop/build.sh: '$tool' is not installed; the interop peers need Go and Python" >&2; exit 1; }
done

export GOMODCACHE="$CACHE/go/mod" GOCACHE="$CACHE/go/build" GOTOOLCHAIN=local GOTELEMETRY=off
export GOFLAGS="-modcacherw -buildvcs=false"

# key FILE... -> short hash of the files' contents (and versions.env), so edits rebuild.
key() { cat "$ROOT/interop/versions.env" "$@" | sha256sum | cut -c1-12; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

OCB_DIR="$CACHE/ocb-$OCB_VERSION"
COL_DIR="$CACHE/collector-$OTELCOL_RELEASE-$(key "$ROOT/interop/collector/manifest.yaml")"
SUP_DIR="$CACHE/supervisor-$SUPERVISOR_VERSION-$(key "$ROOT/interop/supervisor/go.mod" "$ROOT/interop/supervisor/go.sum")"
AGENT_DIR="$CACHE/goagent-opamp-go-$OPAMP_GO_VERSION-$(key "$ROOT"/interop/goagent/*.go "$ROOT/interop/goagent/go.mod" "$ROOT/interop/goagent/go.sum")"
PY_DIR="$CACHE/python-opamp-client-$PY_OPAMP_CLIENT_VERSION-$(key "$ROOT/interop/python/requirements.txt")"

build_collector() {
  if [ -x "$COL_DIR/otelcol-ampgate" ]; then echo "collector: cached ($COL_DIR)"; return; fi
  local t; t=$(now)
  if [ ! -x "$OCB_DIR/ocb" ]; then
    GOBIN="$OCB_DIR.tmp" go install "go.opentelemetry.io/collector/cmd/builder@$OCB_VERSION"
    rm -rf "$OCB_DIR" && mkdir -p "$OCB_DIR" && mv "$OCB_DIR.tmp/builder" "$OCB_DIR/ocb" && rm -rf "$OCB_DIR.tmp"
  fi
  rm -rf "$COL_DIR.tmp" && mkdir -p "$COL_DIR.tmp"
  cp "$ROOT/interop/collector/manifest.yaml" "$COL_DIR.tmp/manifest.yaml"
  (cd "$COL_DIR.tmp" && "$OCB_DIR/ocb" --config manifest.yaml)
  mv "$COL_DIR.tmp/otelcol-ampgate/otelcol-ampgate" "$COL_DIR.tmp/otelcol-ampgate.bin"
  rm -rf "$COL_DIR.tmp/otelcol-ampgate" && mv "$COL_DIR.tmp/otelcol-ampgate.bin" "$COL_DIR.tmp/otelcol-ampgate"
  rm -rf "$COL_DIR" && mv "$COL_DIR.tmp" "$COL_DIR"
  echo "collector: built in $(elapsed "$t") s"
}

# go_build STEP OUT_DIR BINARY MODULE_DIR PACKAGE: `go build` in a module of this repository.
go_build() {
  local step=$1 out=$2 bin=$3 mod=$4 pkg=$5
  if [ -x "$out/$bin" ]; then echo "$step: cached ($out)"; return; fi
  local t; t=$(now)
  mkdir -p "$out.tmp"
  (cd "$mod" && go build -trimpath -o "$out.tmp/$bin" "$pkg")
  rm -rf "$out" && mv "$out.tmp" "$out"
  echo "$step: built in $(elapsed "$t") s"
}

build_supervisor() { go_build supervisor "$SUP_DIR" opampsupervisor "$ROOT/interop/supervisor" github.com/open-telemetry/opentelemetry-collector-contrib/cmd/opampsupervisor; }
build_goagent() { go_build goagent "$AGENT_DIR" ampgate-goagent "$ROOT/interop/goagent" .; }

build_python() {
  if [ -x "$PY_DIR/venv/bin/python" ] && [ -f "$PY_DIR/ok" ]; then echo "python: cached ($PY_DIR)"; return; fi
  local t; t=$(now)
  rm -rf "$PY_DIR" && mkdir -p "$PY_DIR"
  python3 -m venv "$PY_DIR/venv"
  "$PY_DIR/venv/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$ROOT/interop/python/requirements.txt"
  touch "$PY_DIR/ok"
  echo "python: installed in $(elapsed "$t") s"
}

start=$(now)
pids=()
for step in collector supervisor goagent python; do
  ( "build_$step" ) >"$CACHE/logs/$step.log" 2>&1 &
  pids+=("$!:$step")
done
failed=0
for entry in "${pids[@]}"; do
  pid="${entry%%:*}"; step="${entry#*:}"
  if wait "$pid"; then
    tail -n 1 "$CACHE/logs/$step.log"
  else
    failed=1
    echo "interop/build.sh: building $step failed; last lines of $CACHE/logs/$step.log:" >&2
    tail -n 30 "$CACHE/logs/$step.log" >&2
  fi
done
[ "$failed" = 0 ] || exit 1

cat >"$CACHE/peers.json.tmp" <<JSON
{
  "collector": { "bin": "$COL_DIR/otelcol-ampgate", "version": "$OTELCOL_RELEASE", "ocb": "$OCB_VERSION" },
  "supervisor": { "bin": "$SUP_DIR/opampsupervisor", "version": "$SUPERVISOR_VERSION" },
  "goagent": { "bin": "$AGENT_DIR/ampgate-goagent", "opampGo": "$OPAMP_GO_VERSION" },
  "python": { "bin": "$PY_DIR/venv/bin/python", "version": "$PY_OPAMP_CLIENT_VERSION", "agent": "$ROOT/interop/python/agent.py" }
}
JSON
mv "$CACHE/peers.json.tmp" "$CACHE/peers.json"
echo "interop peers ready in $(elapsed "$start") s ($CACHE/peers.json)"
