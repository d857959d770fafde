#!/usr/bin/env bash
# Installs Pulumi's Python SDK (`pulumi` from PyPI, and `wheel` to install generated SDKs) into a virtual environment in a cache outside git, keyed by
# version, for the plugin tests of Python programs. Idempotent: an install already in the cache is reused without
# any network.
#
#   scripts/language-hosts/python-venv.sh            PULUMI_PYTHON_SDK_VERSION of versions.env
#   scripts/language-hosts/python-venv.sh <version>  that version
# Prints the venv's directory on its last stdout line; progress and timings go to stderr.
#
# Environment: PULUMI_SODA_CACHE (cache root; default ${XDG_CACHE_HOME:-~/.cache}/pulumi-soda-cloud),
# PULUMI_SODA_PYTHON (the Python 3.9+ to build the venv with; default python3).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
version="${1:-$PULUMI_PYTHON_SDK_VERSION}"
cache_root="${PULUMI_SODA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-soda-cloud}"
dir="$cache_root/python-sdk/v$version-wheel$PYTHON_WHEEL_VERSION"
python="${PULUMI_SODA_PYTHON:-python3}"
log() { echo "python-sdk: $*" >&2; }

installed_version() {
  "$dir/bin/python" -c 'import importlib.metadata as m; print(m.version("pulumi"))' 2>/dev/null || true
}

mkdir -p "$cache_root/python-sdk"
# Two test runs starting at once must not build one venv together.
exec 9>"$cache_root/python-sdk/.lock"
flock 9

# The marker is written last, so a venv that an interrupted install left half-built is never taken for a good one.
if [[ -f "$dir/.installed" && "$(installed_version)" == "$version" ]]; then
  log "pulumi $version already installed in $dir"
  echo "$dir"
  exit 0
fi

command -v "$python" >/dev/null || { log "Python 3.9 or newer is needed for Pulumi's Python SDK (set PULUMI_SODA_PYTHON to use another interpreter)"; exit 1; }
started=$SECONDS
log "installing pulumi $version into $dir (from PyPI; once)"
rm -rf "$dir"
# A venv records its own path in its scripts, so it is built where it stays rather than moved into place.
"$python" -m venv "$dir"
"$dir/bin/python" -m pip install --quiet --disable-pip-version-check --no-input "pulumi==$version" "wheel==$PYTHON_WHEEL_VERSION" >&2
[[ "$(installed_version)" == "$version" ]] || { log "the venv in $dir does not hold pulumi $version after the install"; exit 1; }
touch "$dir/.installed"
log "pulumi $version installed in $((SECONDS - started)) s"
echo "$dir"
