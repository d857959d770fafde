#!/usr/bin/env bash
# Builds a Pulumi language host from Go modules into a cache outside git, keyed by language and version, for the
# plugin tests of programs in other languages. Idempotent: a build already in the cache is reused without network.
#
#   scripts/language-hosts/build.sh yaml     pulumi-language-yaml of PULUMI_LANGUAGE_YAML_VERSION
#   scripts/language-hosts/build.sh python   pulumi-language-python (and its -exec script) of sdk/v3 PULUMI_LANGUAGE_PYTHON_SDK_VERSION
#   scripts/language-hosts/build.sh go       pulumi-language-go of sdk/v3 PULUMI_LANGUAGE_GO_SDK_VERSION
#   scripts/language-hosts/build.sh sdk-gen  our sdk-gen (see its main.go) on pkg/v3 PULUMI_CODEGEN_VERSION,
#                                            in the module of the CLI build of that version (scripts/pulumi-cli/build.sh first)
# Prints the bin directory holding the host on its last stdout line; put it on PATH beside `pulumi`.
# Progress and timings go to stderr.
#
# Environment: PULUMI_SODA_CACHE (cache root; default ${XDG_CACHE_HOME:-~/.cache}/pulumi-soda-cloud).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
language="${1:-}"
cache_root="${PULUMI_SODA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-soda-cloud}"
log() { echo "language-hosts: $*" >&2; }

case "$language" in
  yaml)
    version="$PULUMI_LANGUAGE_YAML_VERSION"
    package="github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml"
    module_version="v$version"
    binary=pulumi-language-yaml
    ;;
  python)
    version="$PULUMI_LANGUAGE_PYTHON_SDK_VERSION"
    package="github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python"
    module_version="v$version"
    binary=pulumi-language-python
    ;;
  go)
    version="$PULUMI_LANGUAGE_GO_SDK_VERSION"
    package="github.com/pulumi/pulumi/sdk/v3/go/pulumi-language-go"
    module_version="v$version"
    binary=pulumi-language-go
    ;;
  sdk-gen)
    # Keyed by our source too, so a changed main.go is rebuilt.
    version="$PULUMI_CODEGEN_VERSION-$(sha256sum "$here/sdk-gen/main.go" | cut -c1-12)"
    package="./sdk-gen"
    binary=sdk-gen
    ;;
  *)
    log "usage: $0 yaml|python|go|sdk-gen"
    exit 2
    ;;
esac

dir="$cache_root/language-hosts/$language-v$version"
bin="$dir/bin"
mkdir -p "$cache_root/language-hosts"
# Two test runs starting at once must not build into one directory together.
exec 9>"$cache_root/language-hosts/.lock-$language"
flock 9

# The marker is written last, so a half-finished build is never taken for a good one.
if [[ -f "$dir/.built" && -x "$bin/$binary" ]]; then
  log "$binary v$version already built in $bin"
  echo "$bin"
  exit 0
fi

command -v go >/dev/null || { log "Go is needed to build $binary v$version (go.dev/doc/install); or put a $binary on PATH beside pulumi"; exit 1; }
started=$SECONDS
rm -rf "$dir"
mkdir -p "$dir/src" "$bin"
cd "$dir/src"
if [[ "$language" == sdk-gen ]]; then
  # The CLI's wrapper module already pins pkg/v3 with the replaces it needs, and its modules are downloaded.
  cli_src="$cache_root/pulumi-cli/v$PULUMI_CODEGEN_VERSION/src/cli"
  [[ -f "$cli_src/go.mod" ]] || { log "build the Pulumi CLI v$PULUMI_CODEGEN_VERSION first (scripts/pulumi-cli/build.sh $PULUMI_CODEGEN_VERSION): its module is reused here"; exit 1; }
  cp "$cli_src/go.mod" "$cli_src/go.sum" .
  cp -r "$here/sdk-gen" .
  log "building $binary on pkg/v3 v$PULUMI_CODEGEN_VERSION"
else
  printf 'module example.invalid/%s-build\n\ngo 1.25\n' "$binary" > go.mod
  log "building $binary from $package@$module_version (minutes on a cold machine)"
  go get -tool "$package@$module_version"
fi
export CGO_ENABLED=0
# -mod=mod: the code generator's imports may need requirements the CLI's go.sum does not list yet.
go build -mod=mod -trimpath -tags osusergo,grpcnotrace -ldflags "-s -w" -o "$bin/$binary" "$package"
if [[ "$language" == python ]]; then
  # The host runs programs through this script, which it looks for on PATH next to itself.
  modcache="$(go env GOMODCACHE)"
  install -m 0755 "$modcache/github.com/pulumi/pulumi/sdk/v3@$module_version/python/cmd/pulumi-language-python-exec" "$bin/pulumi-language-python-exec"
fi
touch "$dir/.built"
log "built $binary v$version in $((SECONDS - started)) s: $(du -m "$bin/$binary" | cut -f1) MB"
echo "$bin"
