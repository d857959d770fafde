#!/usr/bin/env bash
# Builds the Kubernetes pieces the tests run, from Go modules, into a cache outside git keyed by version:
#   pulumi-resource-kubernetes   the Pulumi Kubernetes provider plugin (KUBERNETES_PROVIDER_VERSION)
#   etcd                         the API server's store (ETCD_VERSION)
#   kube-apiserver               a real API server (KUBERNETES_VERSION)
#   kube-controller-manager      finalizes deleted Namespaces, turns Deployments into ReplicaSets (same release)
# Idempotent: a piece already in the cache is reused; each is built into a temporary directory and moved in place.
#
#   scripts/kubernetes/build.sh
# Prints a directory holding all four binaries on its last stdout line; progress, timings and sizes go to stderr.
# Go builds run one at a time (a cold build of the Kubernetes binaries is heavy on a small machine).
#
# Cold, all four take about half an hour on 2 cores; warm, well under a minute (figures in versions.env).
#
# Environment: PULUMI_SODA_CACHE (cache root; default ${XDG_CACHE_HOME:-~/.cache}/pulumi-soda-cloud).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
cache_root="${PULUMI_SODA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-soda-cloud}"
root="$cache_root/kubernetes"
log() { echo "kubernetes: $*" >&2; }
size_mb() { du -sm "$1" | cut -f1; }

# Only a piece that must be built needs the tools: a filled cache serves a machine without Go.
need_tools() {
  command -v go >/dev/null || {
    log "Go is needed to build $1 (go.dev/doc/install): install Go 1.26 or newer and run this script again"
    exit 1
  }
  command -v node >/dev/null || { log "node is needed to stamp the provider's schema with its version: install Node.js and run this script again"; exit 1; }
}

export CGO_ENABLED=0
# The wrapper modules are generated here: let go record in go.mod and go.sum whatever a build needs.
export GOFLAGS="${GOFLAGS:-} -mod=mod"

# A piece's directory: $root/<name>/v<version>/bin. Built into bin.tmp, moved to bin once complete, so a bin
# directory that exists holds a whole build.
piece_bin() { echo "$root/$1/v$2/bin"; }

# Runs `build_<name> <src dir> <tmp bin dir>` unless the piece is cached; logs the time and sizes.
build_piece() { # name version binaries...
  local name="$1" version="$2"; shift 2
  local dir="$root/$name/v$version" bin; bin="$(piece_bin "$name" "$version")"
  local missing=0 b
  for b in "$@"; do [[ -x "$bin/$b" ]] || missing=1; done
  if [[ $missing == 0 ]]; then
    log "$name v$version already built in $bin"
    return
  fi
  need_tools "$name v$version"
  local started=$SECONDS
  rm -rf "$dir/src" "$bin.tmp"
  mkdir -p "$dir/src" "$bin.tmp"
  log "building $name v$version (minutes on a cold machine)"
  "build_$name" "$dir/src" "$bin.tmp" "$version"
  rm -rf "$bin"
  mv "$bin.tmp" "$bin"
  local sizes=()
  for b in "$@"; do sizes+=("$b $(size_mb "$bin/$b") MB"); done
  log "built $name v$version in $((SECONDS - started)) s: ${sizes[*]}; modules and build cache now $(size_mb "$(go env GOMODCACHE)") MB and $(size_mb "$(go env GOCACHE)") MB"
}

# The provider module replaces sdk/v4 with a local path, and its cmd embeds generated files it does not ship, so
# it is built from a wrapper module with our own main.go (provider/main.go).
build_provider() { # src, out dir, version
  local src="$1" out="$2" version="$3"
  cd "$src"
  printf 'module example.invalid/pulumi-resource-kubernetes-build\n\ngo 1.25\n' > go.mod
  cp "$here/provider/main.go" .
  go mod download github.com/pulumi/pulumi-kubernetes/provider/v4@"$KUBERNETES_PROVIDER_MODULE"
  local module; module="$(go mod download -json github.com/pulumi/pulumi-kubernetes/provider/v4@"$KUBERNETES_PROVIDER_MODULE" | node -pe 'JSON.parse(require("fs").readFileSync(0)).Dir')"
  # Dependency replaces are ignored in a wrapper: copy the provider's non-local ones (none at this release but the
  # local sdk one, which the sdk pin below stands for).
  { grep -E '^replace [^ ]+ => [^.][^ ]* v' "$module/go.mod"; sed -n '/^replace (/,/^)/p' "$module/go.mod" | grep -E '=> [^.][^ ]* v' | sed 's/^\s*/replace /'; } | sort -u >> go.mod || true
  # What the release build's generate.go does: the schema with its version set, both files compacted.
  node -e '
    const fs = require("fs");
    const [dir, version] = process.argv.slice(1);
    const schema = JSON.parse(fs.readFileSync(dir + "/cmd/pulumi-resource-kubernetes/schema.json", "utf8"));
    schema.version = version;
    fs.writeFileSync("schema-embed.json", JSON.stringify(schema));
    fs.writeFileSync("terraform-mapping-embed.json", JSON.stringify(JSON.parse(fs.readFileSync(dir + "/cmd/pulumi-resource-kubernetes/terraform-mapping.json", "utf8"))));
  ' "$module" "$version"
  go get github.com/pulumi/pulumi-kubernetes/provider/v4@"$KUBERNETES_PROVIDER_MODULE" github.com/pulumi/pulumi-kubernetes/sdk/v4@"$KUBERNETES_PROVIDER_SDK"
  go mod tidy
  local sdk; sdk="$(go list -m -f '{{.Version}}' github.com/pulumi/pulumi-kubernetes/sdk/v4)"
  [[ "$sdk" == "$KUBERNETES_PROVIDER_SDK" ]] || { log "sdk/v4 resolved to $sdk instead of $KUBERNETES_PROVIDER_SDK"; exit 1; }
  go build -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$version" -o "$out/pulumi-resource-kubernetes" .
}

# etcd's own main package is in a root module whose go.mod replaces every etcd module locally: our main.go calls
# etcdmain from server/v3, with api, client and pkg pinned to the same release.
build_etcd() { # src, out dir, version
  local src="$1" out="$2" version="$3"
  cd "$src"
  printf 'module example.invalid/etcd-build\n\ngo 1.25\n' > go.mod
  cp "$here/etcd/main.go" .
  go get go.etcd.io/etcd/server/v3@"v$version" go.etcd.io/etcd/api/v3@"v$version" go.etcd.io/etcd/client/v3@"v$version" \
    go.etcd.io/etcd/client/pkg/v3@"v$version" go.etcd.io/etcd/pkg/v3@"v$version"
  go mod tidy
  local resolved; resolved="$(go list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3 go.etcd.io/etcd/api/v3 go.etcd.io/etcd/client/v3 go.etcd.io/etcd/client/pkg/v3 go.etcd.io/etcd/pkg/v3 | sort -u)"
  [[ "$resolved" == "v$version" ]] || { log "etcd modules resolved to $(echo "$resolved" | tr '\n' ' ')instead of v$version"; exit 1; }
  go build -trimpath -ldflags "-s -w" -o "$out/etcd" .
}

# k8s.io/kubernetes requires every k8s.io/* staging module at v0.0.0 with `=> ./staging/...` replaces, which a
# wrapper ignores: each maps to the published v0.<minor>.<patch> of the same release.
build_kubernetes() { # src, out dir, version
  local src="$1" out="$2" version="$3"
  cd "$src"
  printf 'module example.invalid/kubernetes-build\n\ngo 1.25\n' > go.mod
  local modfile; modfile="$(go mod download -json k8s.io/kubernetes@"v$version" | node -pe 'JSON.parse(require("fs").readFileSync(0)).GoMod')"
  # Only the required ones: a staging module that is replaced but never required may not be published at all.
  awk -v v="v0.${version#*.}" '
    $2 == "=>" && $3 ~ /^\.\/staging\// { staged[$1] = 1 }
    $2 == "v0.0.0" { required[$1] = 1 }
    END { for (m in staged) if (m in required) print "replace " m " => " m " " v }
  ' "$modfile" | sort >> go.mod
  go get -tool k8s.io/kubernetes/cmd/kube-apiserver@"v$version" k8s.io/kubernetes/cmd/kube-controller-manager@"v$version"
  local major="${version%%.*}" minor; minor="${version#*.}"; minor="${minor%%.*}"
  local pkg ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=v$version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  local cmd cmd_started
  for cmd in kube-apiserver kube-controller-manager; do
    log "building $cmd"
    cmd_started=$SECONDS
    go build -trimpath -ldflags "$ldflags" -o "$out/$cmd" k8s.io/kubernetes/cmd/"$cmd"
    log "built $cmd in $((SECONDS - cmd_started)) s"
  done
}

started=$SECONDS
mkdir -p "$root"
# Test runs in parallel may all call this script: one builds, the others wait and then find the cache.
exec 9>"$root/.build.lock"
if command -v flock >/dev/null && ! flock -n 9; then
  log "another build is running; waiting for it"
  flock 9
fi
build_piece provider "$KUBERNETES_PROVIDER_VERSION" pulumi-resource-kubernetes
build_piece etcd "$ETCD_VERSION" etcd
build_piece kubernetes "$KUBERNETES_VERSION" kube-apiserver kube-controller-manager

# One directory for the tests, keyed by all three versions: links to the pieces.
bin="$root/bin/provider-v${KUBERNETES_PROVIDER_VERSION}_etcd-v${ETCD_VERSION}_kubernetes-v${KUBERNETES_VERSION}"
mkdir -p "$bin"
ln -sfn "$(piece_bin provider "$KUBERNETES_PROVIDER_VERSION")/pulumi-resource-kubernetes" "$bin/pulumi-resource-kubernetes"
ln -sfn "$(piece_bin etcd "$ETCD_VERSION")/etcd" "$bin/etcd"
ln -sfn "$(piece_bin kubernetes "$KUBERNETES_VERSION")/kube-apiserver" "$bin/kube-apiserver"
ln -sfn "$(piece_bin kubernetes "$KUBERNETES_VERSION")/kube-controller-manager" "$bin/kube-controller-manager"
log "ready in $((SECONDS - started)) s: $bin"
echo "$bin"
