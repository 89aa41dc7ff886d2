#!/usr/bin/env bash
# The Python matrix of `make test`: the built wheel installed into a fresh virtualenv of the
# lowest (3.10) and the newest (3.13) supported Python, then the unit layer and a smoke run
# (pgwarden --help, migrate up and check of the sample bot on scratch clusters) on each.
# The whole suite runs on the main interpreter (`make test`); this proves the wheel installs
# and works at both ends of requires-python. Fails if the wheel does not install on either.
# A missing interpreter is skipped loudly on a developer's machine, and fails on CI.
set -euo pipefail
cd "$(dirname "$0")/../.."
python=${1:?usage: tests/matrix/run.sh PYTHON [VERSION...]}
shift
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(3.10 3.13)
work=build/matrix
rm -rf "$work"
mkdir -p "$work"

find_python() {  # the newest installed X.Y: pyenv's, else on PATH
    local v=$1 prefix candidate
    if command -v pyenv >/dev/null && prefix=$(pyenv prefix "$v" 2>/dev/null) && [ -x "$prefix/bin/python$v" ]; then
        echo "$prefix/bin/python$v"; return
    fi
    for candidate in $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$v".*/bin/python"$v" 2>/dev/null | sort -V -r) \
        "$(command -v "python$v" || true)"; do
        if [ -n "$candidate" ] && [ -x "$candidate" ]; then echo "$candidate"; return; fi
    done
    return 1
}

"$python" -m pip wheel --quiet --no-deps --wheel-dir "$work" . >/dev/null
wheel=$(ls "$work"/pgwarden-*.whl)
echo "matrix: built $wheel"
failed=0
for v in "${versions[@]}"; do
    if ! interpreter=$(find_python "$v"); then
        if [ -n "${CI:-}" ]; then
            echo "matrix: FAILED: Python $v not found (pyenv or python$v on PATH)" >&2; failed=1
        else
            echo "matrix: SKIPPED Python $v: not installed (pyenv install $v, or python$v on PATH)" >&2
        fi
        continue
    fi
    venv="$work/py$v"
    started=$(date +%s)
    "$interpreter" -m venv "$venv"
    if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$wheel[test]" >"$venv.pip.log" 2>&1; then
        echo "matrix: FAILED: the wheel does not install on Python $v ($interpreter):" >&2
        tail -5 "$venv.pip.log" >&2; failed=1; continue
    fi
    echo "matrix: Python $v: installed in $(( $(date +%s) - started ))s; unit layer and smoke run"
    # -p no:cacheprovider: the main interpreter's run owns .pytest_cache
    if ! "$venv/bin/python" -m pytest tests/unit -q -p no:cacheprovider -x; then
        echo "matrix: FAILED: unit layer on Python $v" >&2; failed=1; continue
    fi
    if ! "$venv/bin/python" tests/matrix/smoke.py; then
        echo "matrix: FAILED: smoke run on Python $v" >&2; failed=1; continue
    fi
    echo "matrix: Python $v: passed in $(( $(date +%s) - started ))s"
done
exit $failed
