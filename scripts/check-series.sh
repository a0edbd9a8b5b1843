#!/bin/sh
# Build every commit of a series and run 'make check-unit' on each, so that
# the history stays bisectable.
#
#   scripts/check-series.sh [BASE [HEAD]]
#
# Checks the commits in BASE..HEAD (HEAD defaults to HEAD; without BASE,
# every commit reachable from HEAD), oldest first, in a temporary worktree
# with one build directory reused from commit to commit, so each build is
# incremental (and cached by ccache when it is installed).  Prints PASS or
# FAIL per commit and a summary; exits 1 if any commit failed.
# Set KEEP=1 to keep the worktree and the logs.

set -u

usage() {
    echo "usage: $0 [BASE [HEAD]]" >&2
    exit 2
}

[ $# -le 2 ] || usage
case "${1:-}" in -h|--help) usage ;; esac

top=$(git rev-parse --show-toplevel 2>/dev/null) || {
    echo "check-series: not in a git repository" >&2
    exit 2
}
cd "$top" || exit 2

head=${2:-HEAD}
if [ -n "${1:-}" ]; then
    git rev-parse --verify -q "$1^{commit}" >/dev/null || {
        echo "check-series: unknown BASE '$1'" >&2
        exit 2
    }
    range="$1..$head"
else
    range="$head"
fi
git rev-parse --verify -q "$head^{commit}" >/dev/null || {
    echo "check-series: unknown HEAD '$head'" >&2
    exit 2
}

commits=$(git rev-list --reverse "$range")
if [ -z "$commits" ]; then
    echo "check-series: no commits in $range"
    exit 0
fi

scripts/install-deps.sh --quiet || exit 1

wt=$(mktemp -d "${TMPDIR:-/tmp}/grace-series.XXXXXX")
logs="$wt.logs"
mkdir -p "$logs"
cleanup() {
    git worktree remove --force "$wt" >/dev/null 2>&1
    rm -rf "$wt"
    if [ "${KEEP:-0}" != 1 ]; then
        rm -rf "$logs"
    fi
}
trap cleanup EXIT INT TERM

first=$(echo "$commits" | head -n 1)
git worktree add --detach -q "$wt" "$first" || exit 2

total=0
failed=0
for c in $commits; do
    total=$((total + 1))
    subject=$(git log -1 --format=%s "$c")
    short=$(git rev-parse --short "$c")
    log="$logs/$short.log"
    git -C "$wt" checkout -q --detach "$c"
    # The build directory survives checkouts, so each build is incremental;
    # configure only when there is none yet (meson reconfigures by itself).
    if [ ! -f "$wt/build/build.ninja" ]; then
        (cd "$wt" && ./configure) >"$log" 2>&1
    fi
    if (cd "$wt" && GRACE_SKIP_DEPS=1 make check-unit) >>"$log" 2>&1; then
        echo "PASS $short $subject"
    else
        failed=$((failed + 1))
        echo "FAIL $short $subject"
        tail -n 15 "$log" | sed 's/^/    | /'
    fi
done

echo "check-series: $total commits, $((total - failed)) passed, $failed failed"
[ "${KEEP:-0}" = 1 ] && echo "check-series: logs in $logs"
[ "$failed" -eq 0 ]
