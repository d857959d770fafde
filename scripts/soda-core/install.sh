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

mkdir -p "$cache_root/soda-core"
# Two test runs starting at once must not build one venv together.
exec 9>"$cache_root/soda-core/.lock"
flock 9

# The marker is written last, so a venv that an interrupted install left half-built is never taken for a good one.
if [[ -f "$dir/.installed" && -x "$bin/soda" && "$(installed_version)" == "$version" ]]; then
  log "v$version already installed in $dir"
  echo "$bin"
  exit 0
fi

command -v "$python" >/dev/null || { log "Python 3.10 or newer is needed to install Soda Core v$version (set PULUMI_SODA_PYTHON to use another interpreter)"; exit 1; }
"$python" -c 'import sys, venv; sys.exit(sys.version_info < (3, 10))' 2>/dev/null \
  || { log "$("$python" --version 2>&1) cannot install Soda Core v$version: it needs Python 3.10 or newer with the venv module"; exit 1; }

started=$SECONDS
log "installing v$version into $dir (from PyPI; once)"
rm -rf "$dir"
# A venv records its own path in its scripts, so it is built where it stays rather than moved into place.
"$python" -m venv "$dir"
constraints=()
[[ "$version" == "$SODA_CORE_VERSION" ]] && constraints=(--constraint "$here/constraints.txt")
"$bin/python" -m pip install --quiet --disable-pip-version-check --no-input "${constraints[@]}" "soda-core==$version" >&2
[[ "$(installed_version)" == "$version" ]] || { log "the venv in $dir does not hold soda-core $version after the install"; exit 1; }
touch "$dir/.installed"
log "v$version installed in $((SECONDS - started)) s"
echo "$bin"
