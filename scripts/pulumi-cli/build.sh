#!/usr/bin/env bash
# Builds the real Pulumi CLI and its Node language host from Go modules into a cache outside git, keyed by
# version, and copies the dynamic provider host script of this checkout's @pulumi/pulumi beside them.
# Idempotent: a build already in the cache is reused.
#
#   scripts/pulumi-cli/build.sh            a supported `pulumi` already on PATH (3.139.0 or newer, with its
#                                          pulumi-language-nodejs), else PULUMI_CLI_VERSION, built or cached
#   scripts/pulumi-cli/build.sh <version>  that version, built or cached
# Prints the bin directory to use on its last stdout line; progress and timings go to stderr.
#
# Environment: PULUMI_SODA_CACHE (cache root; default ${XDG_CACHE_HOME:-~/.cache}/pulumi-soda-cloud),
# PULUMI_SODA_USE_PATH_CLI=0 (ignore a `pulumi` on PATH).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
project="$(cd "$here/../.." && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
version="${1:-$PULUMI_CLI_VERSION}"
cache_root="${PULUMI_SODA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-soda-cloud}"
dir="$cache_root/pulumi-cli/v$version"
bin="$dir/bin"
log() { echo "pulumi-cli: $*" >&2; }

# The dynamic provider host is a script inside the @pulumi/pulumi npm package (no `bin` entry); the engine finds
# bundled plugins next to the `pulumi` binary.
copy_dynamic_host() {
  local target_bin="$1" host="$project/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
  if [[ ! -x "$host" ]]; then
    log "node_modules/@pulumi/pulumi is missing: run \`npm install\` first"
    exit 1
  fi
  # A copy, not a link: the script resolves @pulumi/pulumi from the program directory, so any checkout's copy will do.
  cp "$host" "$target_bin/pulumi-resource-pulumi-nodejs"
}

version_ok() { # semver >= oldest supported
  local v="${1#v}"
  [[ "$(printf '%s\n%s\n' "$PULUMI_CLI_OLDEST" "$v" | sort -V | head -1)" == "$PULUMI_CLI_OLDEST" ]]
}

if [[ $# -eq 0 && "${PULUMI_SODA_USE_PATH_CLI:-}" != 0 ]] && command -v pulumi >/dev/null && command -v pulumi-language-nodejs >/dev/null; then
  path_version="$(pulumi version 2>/dev/null || true)"
  if version_ok "$path_version"; then
    path_bin="$(dirname "$(command -v pulumi)")"
    log "using pulumi $path_version from PATH ($path_bin)"
    echo "$path_bin"
    exit 0
  fi
  log "pulumi on PATH is $path_version, older than the oldest supported ($PULUMI_CLI_OLDEST): building v$version"
fi

if [[ -x "$bin/pulumi" && -x "$bin/pulumi-language-nodejs" ]] && [[ "$("$bin/pulumi" version 2>/dev/null)" == "v$version" ]]; then
  copy_dynamic_host "$bin"
  log "v$version already built in $bin"
  echo "$bin"
  exit 0
fi

command -v go >/dev/null || { log "Go is needed to build the Pulumi CLI v$version (go.dev/doc/install); or put a pulumi >= $PULUMI_CLI_OLDEST, with its pulumi-language-nodejs, on PATH and run this script without a version"; exit 1; }
started=$SECONDS
# Each binary gets its own wrapper module: the CLI and the language host need different versions of sdk/v3.
build_cli() { # wrapper dir, output binary
  local src="$1" out="$2"
  mkdir -p "$src" && cd "$src"
  # pkg/go.mod replaces sdk/v3 with a local path, so `go install pkg@v` is refused: build from a wrapper module.
  # Dependency replaces are ignored there, so the non-local ones of pkg/go.mod and sdk/go.mod are copied in.
  printf 'module example.invalid/pulumi-cli-build\n\ngo 1.25\n' > go.mod
  log "resolving github.com/pulumi/pulumi/pkg/v3@v$version"
  go mod download github.com/pulumi/pulumi/pkg/v3@"v$version" github.com/pulumi/pulumi/sdk/v3@"v$version"
  local modcache; modcache="$(go env GOMODCACHE)"
  for mod in "$modcache/cache/download/github.com/pulumi/pulumi/pkg/v3/@v/v$version.mod" \
             "$modcache/cache/download/github.com/pulumi/pulumi/sdk/v3/@v/v$version.mod"; do
    # Copy replaces whose right side is a module (not ../local); sdk's golang.org/x/text pin is left out on purpose.
    grep -E '^replace [^ ]+ => [^.][^ ]* v' "$mod" | grep -v 'golang.org/x/text' || true
  done | sort -u >> go.mod
  go get -tool github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@"v$version"
  # pkg's tag requires the previous sdk: pin them equal.
  go get github.com/pulumi/pulumi/sdk/v3@"v$version"
  local resolved; resolved="$(go list -m -f '{{.Version}}' github.com/pulumi/pulumi/pkg/v3 github.com/pulumi/pulumi/sdk/v3 | sort -u)"
  if [[ "$resolved" != "v$version" ]]; then
    log "pkg and sdk resolved to $(echo "$resolved" | tr '\n' ' ')instead of v$version"
    exit 1
  fi
  log "building pulumi (minutes on a cold machine)"
  go build "${flags[@]}" -o "$out" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
}

# The Node language host has been its own module since sdk v3.69.0, and the module proxy serves no version of that
# module; the last release that shipped it inside sdk/v3 is PULUMI_LANGUAGE_NODEJS_VERSION. It only starts
# `node @pulumi/pulumi/cmd/run` (the SDK of the project being run) and speaks the LanguageRuntime protocol,
# whose fields the engine still fills for older hosts.
build_language_host() { # wrapper dir, output binary
  local src="$1" out="$2"
  mkdir -p "$src" && cd "$src"
  printf 'module example.invalid/pulumi-language-nodejs-build\n\ngo 1.25\n' > go.mod
  log "building pulumi-language-nodejs from sdk v$PULUMI_LANGUAGE_NODEJS_VERSION"
  go get -tool github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs@"v$PULUMI_LANGUAGE_NODEJS_VERSION"
  go build "${flags[@]}" -o "$out" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs
}

export CGO_ENABLED=0
# Newer releases read the version from sdk's common/version, older ones (3.139.0) from pkg/version; -X ignores the
# one a release lacks.
flags=(-trimpath -tags osusergo,grpcnotrace -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version -X github.com/pulumi/pulumi/pkg/v3/version.Version=v$version")
rm -rf "$dir/src" "$bin.tmp"
mkdir -p "$bin.tmp"
build_cli "$dir/src/cli" "$bin.tmp/pulumi"
build_language_host "$dir/src/language-nodejs" "$bin.tmp/pulumi-language-nodejs"
rm -rf "$bin"
mv "$bin.tmp" "$bin"
copy_dynamic_host "$bin"
log "built $("$bin/pulumi" version) in $((SECONDS - started)) s: pulumi $(du -m "$bin/pulumi" | cut -f1) MB, pulumi-language-nodejs $(du -m "$bin/pulumi-language-nodejs" | cut -f1) MB"
echo "$bin"
