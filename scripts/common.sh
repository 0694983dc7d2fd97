# Shared by demo.sh and test.sh (sourced, not run): project root, quiet Meltano, the venv, timings.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1
# No network but package registries here: no usage stats, no PyPI version check on every command.
export MELTANO_SEND_ANONYMOUS_USAGE_STATS=false
export MELTANO_CLI_DISABLE_VERSION_CHECK=true
export PIP_DISABLE_PIP_VERSION_CHECK=1

VENV="$ROOT/.venv"
PY="$VENV/bin/python"

_T0=$SECONDS
_T_STEP=$SECONDS
# step NAME: start a timed step (the previous one's time is printed when the next one starts).
step() {
    _step_done
    _T_STEP=$SECONDS
    _STEP_NAME="$1"
    printf '\n==> %s\n' "$1"
}
_step_done() {
    if [[ -n "${_STEP_NAME:-}" ]]; then
        printf '    (%s: %ds)\n' "$_STEP_NAME" $((SECONDS - _T_STEP))
        _STEP_NAME=""
    fi
}
# total LABEL: print the last step's and the whole script's time.
total() {
    _step_done
    printf '\n%s in %ds\n' "$1" $((SECONDS - _T0))
}

# ensure_venv: .venv with the tap, the simulator, pytest and meltano (`pip install -e ".[test]"`).
# Skipped when pyproject.toml has not changed since the last successful install (a stamp holds its
# hash), so a second run costs nothing; the install is editable, so code changes need no reinstall.
ensure_venv() {
    local want have=""
    if [[ ! -x "$PY" ]]; then
        local base="${PYTHON:-python3}"
        if ! "$base" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "error: Python >= 3.11 is needed ('$base' is $("$base" --version 2>&1)); set PYTHON=/path/to/python3.11" >&2
            return 1
        fi
        echo "creating $VENV"
        "$base" -m venv "$VENV"
    fi
    want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
    [[ -f "$VENV/.installed-pyproject" ]] && have="$(cat "$VENV/.installed-pyproject")"
    if [[ "$want" != "$have" || ! -x "$VENV/bin/meltano" || ! -x "$VENV/bin/tap-hubspot-qobra" ]]; then
        # (the grep drops pip's noise about this machine's optional local mirror directories)
        { "$PY" -m pip install -q -e ".[test]" 2>&1 1>&3 \
            | { grep -v "is ignored: it is neither a file nor a directory" || true; } >&2; } 3>&1
        echo "$want" >"$VENV/.installed-pyproject"
    else
        echo "venv up to date ($VENV)"
    fi
}

# meltano ARGS...: the venv's meltano, always from the project root.
meltano() {
    "$VENV/bin/meltano" "$@"
}
