#!/usr/bin/env bash
# Installs Soda Core (`soda-core` from PyPI: Soda's library and `soda` CLI) into a Python virtual environment in a
# cache outside git, keyed by version. Idempotent: an install already in the cache is reused without any network.
#
#   scripts/soda-core/install.sh            SODA_CORE_VERSION of versions.env, its dependencies pinned by constraints.txt
#   scripts/soda-core/install.sh <version>  that version (dependencies resolved by pip)
# Prints the venv's bin directory (holding `soda`) on its last stdout line; progress and timings go to stderr.
#
# Environment: PULUMI_SODA_CACHE (cache root; default ${XDG_CACHE_HOME:-~/.cache}/pulumi-soda-cloud),
# PULUMI_SODA_PYTHON (the Python 3.10+ to build the venv with; default python3).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
version="${1:-$SODA_CORE_VERSION}"
cache_root="${PULUMI_SODA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-soda-cloud}"
dir="$cache_root/soda-core/v$version"
bin="$dir/bin"
python="${PULUMI_SODA_PYTHON:-python3}"
log() { echo "soda-core: $*" >&2; }

# The version the venv really holds, read from the package itself ("" when there is none or it is broken).
installed_version() {
  "$bin/python" -c 'from soda_core.__version__ import SODA_CORE_VERSION; print(SODA_CORE_VERSION)' 2>/dev/null || true
}

constraints=()
[[ "$version" == "$SODA_CORE_VERSION" ]] && constraints=(--constraint "$here/constraints.txt")
# shellcheck source=../lib/cached-venv.sh
source "$here/../lib/cached-venv.sh"
cached_venv "$dir" "$version" "$python" 10 "${constraints[@]}" "soda-core==$version"
echo "$bin"
