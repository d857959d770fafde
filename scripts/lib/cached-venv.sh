# Sourced by the scripts that install a pinned Python package into a virtual environment cached outside git
# (scripts/soda-core/install.sh, scripts/language-hosts/python-venv.sh). The caller defines `log` and
# `installed_version` (the version the venv really holds, "" when none or broken).
#
#   cached_venv <dir> <version> <python> <minimum minor of Python 3> <pip arguments...>
# Creates <dir> once, with `pip install <pip arguments>`, and returns at once when it is there already. Idempotent
# and safe to run twice at once (a lock beside <dir>); the marker is written last, so a venv that an interrupted
# install left half-built is never taken for a good one.
cached_venv() {
  local dir="$1" version="$2" python="$3" minor="$4"
  shift 4
  mkdir -p "$(dirname "$dir")"
  exec 9>"$(dirname "$dir")/.lock"
  flock 9
  if [[ -f "$dir/.installed" && "$(installed_version)" == "$version" ]]; then
    log "$version already installed in $dir"
    return 0
  fi
  command -v "$python" >/dev/null || { log "Python 3.$minor or newer is needed (set PULUMI_SODA_PYTHON to use another interpreter)"; exit 1; }
  "$python" -c "import sys, venv; sys.exit(sys.version_info < (3, $minor))" 2>/dev/null \
    || { log "$("$python" --version 2>&1) cannot be used: Python 3.$minor or newer with the venv module is needed"; exit 1; }
  local started=$SECONDS
  log "installing $version into $dir (from PyPI; once)"
  rm -rf "$dir"
  # A venv records its own path in its scripts, so it is built where it stays rather than moved into place.
  "$python" -m venv "$dir"
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check --no-input "$@" >&2
  [[ "$(installed_version)" == "$version" ]] || { log "the venv in $dir does not hold $version after the install"; exit 1; }
  touch "$dir/.installed"
  log "$version installed in $((SECONDS - started)) s"
}
