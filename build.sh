#!/usr/bin/env bash
# ChatKit's one build script.
#   ./build.sh test     install what the tests need, restore, build, run every test
#   ./build.sh build    restore and build
#   ./build.sh sample   run the sample host (SQLite by default)
#   ./build.sh pack     produce the NuGet packages in artifacts/packages
#   ./build.sh bench    run the benchmarks (see docs/benchmarks.md)
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log() { printf '\n== %s\n' "$*"; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=0
apt_install() {
  # Installs Debian packages that are missing; the tests start these servers themselves.
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || { echo "apt-get not found: install ${missing[*]} by hand" >&2; return 1; }
  if [ $apt_updated = 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

prerequisites() {
  command -v dotnet >/dev/null 2>&1 || { echo "the .NET 10 SDK is required: https://dot.net" >&2; exit 1; }
  # redis-server for the scale-out tests, Chromium for the sample page's browser tests.
  apt_install redis-server chromium
  # Node.js and npm for the TypeScript client (clients/typescript) and its tests, and for s3rver (an S3-compatible
  # server the attachment tests start) from tests/tools/package.json.
  command -v npm >/dev/null 2>&1 || apt_install nodejs npm
  if [ ! -f tests/tools/node_modules/s3rver/bin/s3rver.js ]; then
    log "installing tests/tools (s3rver)"
    (cd tests/tools && npm install --no-audit --no-fund --loglevel=error)
  fi
  # PostgreSQL: the tests start their own server with initdb and pg_ctl from the binaries on the machine.
  if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    apt_install postgresql
  fi
}

summarize() {
  # One closing line, 'N passed, N failed, N skipped', from the test results.
  python3 - "$1" <<'PY' || true
import sys, glob, xml.etree.ElementTree as ET
p = f = s = 0
for path in glob.glob(sys.argv[1] + '/**/*.trx', recursive=True):
    c = ET.parse(path).getroot().find('.//{*}Counters')
    if c is None: continue
    p += int(c.get('passed', 0)); f += int(c.get('failed', 0)) + int(c.get('error', 0)) + int(c.get('timeout', 0))
    # xunit's skipped tests are counted in total but not in executed.
    s += int(c.get('total', 0)) - int(c.get('executed', 0))
print(f"tests: {p} passed, {f} failed, {s} skipped")
PY
}

typescript_client() {
  # The TypeScript client: install from its lock file, compile, and test it against the sample host built above
  # (clients/typescript/test: the host in a child process, the packed tarball in a fresh project, the page's copy).
  log "TypeScript client (clients/typescript)"
  (cd clients/typescript && npm ci --no-audit --no-fund --prefer-offline && npm run build && npm test)
}

cmd=${1:-test}
case "$cmd" in
  build)
    dotnet build ChatKit.sln -c Release
    ;;
  test)
    prerequisites
    log "restore and build"
    dotnet build ChatKit.sln -c Release
    results=artifacts/test-results
    rm -rf "$results"
    log "test"
    status=0
    dotnet test ChatKit.sln -c Release --no-build --logger "trx" --logger "console;verbosity=normal" \
      --results-directory "$results" -- RunConfiguration.TestSessionTimeout=1500000 || status=$?
    summarize "$results"
    typescript_client || status=$?
    exit $status
    ;;
  sample)
    dotnet run --project samples/ChatKit.Sample
    ;;
  pack)
    dotnet pack ChatKit.sln -c Release -o artifacts/packages
    ;;
  bench)
    shift
    dotnet run -c Release --project bench/ChatKit.Benchmarks -- "$@"
    ;;
  *)
    echo "usage: ./build.sh [test|build|sample|pack|bench]" >&2
    exit 2
    ;;
esac
