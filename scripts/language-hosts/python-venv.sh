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

# shellcheck source=../lib/cached-venv.sh
source "$here/../lib/cached-venv.sh"
cached_venv "$dir" "$version" "$python" 9 "pulumi==$version" "wheel==$PYTHON_WHEEL_VERSION"
echo "$dir"
