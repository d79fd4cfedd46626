#!/usr/bin/env bash
# Set up the project on a fresh machine (idempotent): find a Python >= 3.12, create .venv with it
# and install the project in editable mode with its extras (default: test).
#
#   bash scripts/setup.sh                  # .venv with the project and its test extras
#   bash scripts/setup.sh --extras none    # the project only
#   bash scripts/setup.sh --extras test,x  # other extras (comma-separated, as in pyproject.toml)
#   PYTHON=/path/to/python3.12 bash scripts/setup.sh   # use this interpreter
#
# Python is looked for in this order: $PYTHON; python3.13 and python3.12 on PATH; python3 if it
# is 3.12 or newer; pyenv's versions ($(pyenv root), $PYENV_ROOT, ~/.pyenv); Pythons managed by
# uv. Nothing is downloaded but the pip packages the project needs. Running it again reuses a
# good .venv and skips the install when pyproject.toml and the extras have not changed.
set -euo pipefail

MIN_MAJOR=3
MIN_MINOR=12
EXTRAS="test"
FORCE=0

usage() {
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    echo
    echo "Options: --extras LIST (default test; 'none' for no extras), --force (reinstall), -h/--help"
}

while [ $# -gt 0 ]; do
    case "$1" in
        --extras) [ $# -ge 2 ] || { echo "setup: --extras needs a value, e.g. --extras test" >&2; exit 2; }
                  EXTRAS="$2"; shift 2 ;;
        --extras=*) EXTRAS="${1#--extras=}"; shift ;;
        --no-extras) EXTRAS="none"; shift ;;
        --force) FORCE=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "setup: unknown argument '$1' (see 'bash scripts/setup.sh --help')" >&2; exit 2 ;;
    esac
done
case "$EXTRAS" in none|"") EXTRAS="" ;; esac
if [ -n "$EXTRAS" ] && ! [[ "$EXTRAS" =~ ^[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*$ ]]; then
    echo "setup: --extras '$EXTRAS': must be a comma-separated list of extras names, e.g. test" >&2
    exit 2
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 UV_PYTHON_DOWNLOADS=never

# --- finding a Python ------------------------------------------------------------------------
# version_ok PY: PY runs and is Python >= MIN_MAJOR.MIN_MINOR
version_ok() {
    "$1" -c "import sys; sys.exit(0 if sys.version_info[:2] >= ($MIN_MAJOR, $MIN_MINOR) else 1)" >/dev/null 2>&1
}

# usable PY: PY is new enough and can make a venv with pip in it
usable() {
    version_ok "$1" && "$1" -c "import venv, ensurepip" >/dev/null 2>&1
}

describe() {
    "$1" -c 'import sys; print("Python %d.%d.%d at %s" % (*sys.version_info[:3], sys.executable))' 2>/dev/null \
        || echo "$1"
}

candidates() {
    local c root
    for c in python3.13 python3.12 python3; do
        command -v "$c" 2>/dev/null || true
    done
    local roots=()
    if command -v pyenv >/dev/null 2>&1; then
        root="$(pyenv root 2>/dev/null || true)"
        [ -n "$root" ] && roots+=("$root")
    fi
    [ -n "${PYENV_ROOT:-}" ] && roots+=("$PYENV_ROOT")
    roots+=("$HOME/.pyenv")
    for root in "${roots[@]}"; do
        # newest first; free-threaded ("t") builds are left out: many packages have no wheels for them
        for d in $(ls -d "$root"/versions/3.1[2-9]* 2>/dev/null | grep -v 't$' | sort -V -r || true); do
            for c in "$d/bin/python3" "$d/bin/python"; do
                if [ -x "$c" ]; then echo "$c"; fi
            done
        done
    done
    if command -v uv >/dev/null 2>&1; then
        uv python find --no-python-downloads ">=$MIN_MAJOR.$MIN_MINOR" 2>/dev/null || true
    fi
    for d in $(ls -d "${UV_PYTHON_INSTALL_DIR:-$HOME/.local/share/uv/python}"/cpython-3.1[2-9]* 2>/dev/null \
               | grep -v -- '+freethreaded' | sort -V -r || true); do
        if [ -x "$d/bin/python3" ]; then echo "$d/bin/python3"; fi
    done
    return 0
}

no_python() {
    cat >&2 <<EOF
setup: no Python $MIN_MAJOR.$MIN_MINOR or newer was found (looked at \$PYTHON, python3.13, python3.12 and
python3 on PATH, pyenv's versions and uv's Pythons). The project needs Python >= $MIN_MAJOR.$MIN_MINOR (Mesa 3.5 does).
Install Python 3.12+ (pyenv install 3.12, or apt-get install python3.12 python3.12-venv)
or set PYTHON=/path/to/python3.12 and run this script again.
EOF
    exit 1
}

find_python() {
    if [ -n "${PYTHON:-}" ]; then
        local py
        py="$(command -v "$PYTHON" 2>/dev/null || true)"
        if [ -z "$py" ]; then
            echo "setup: PYTHON=$PYTHON: no such program; set PYTHON to a Python $MIN_MAJOR.$MIN_MINOR+ interpreter" >&2
            exit 1
        fi
        if ! version_ok "$py"; then
            echo "setup: PYTHON=$PYTHON is $(describe "$py"); the project needs Python >= $MIN_MAJOR.$MIN_MINOR" >&2
            exit 1
        fi
        if ! usable "$py"; then
            echo "setup: PYTHON=$PYTHON cannot create virtual environments (no venv/ensurepip module);" \
                 "on Debian/Ubuntu: apt-get install python3.X-venv" >&2
            exit 1
        fi
        echo "$py"
        return
    fi
    local c seen_new=""
    while read -r c; do
        [ -n "$c" ] || continue
        if usable "$c"; then
            echo "$c"
            return
        fi
        version_ok "$c" && seen_new="$c"
    done < <(candidates)
    if [ -n "$seen_new" ]; then
        echo "setup: $(describe "$seen_new") cannot create virtual environments (no venv/ensurepip module);" \
             "on Debian/Ubuntu: apt-get install python3.X-venv (X = its minor version), or set PYTHON" >&2
        exit 1
    fi
    no_python
}

# --- the virtual environment -------------------------------------------------------------------
venv_python="$VENV/bin/python"
reuse=0
if [ -e "$VENV" ]; then
    if version_ok "$venv_python" && "$venv_python" -m pip --version >/dev/null 2>&1; then
        reuse=1
        if [ -n "${PYTHON:-}" ]; then  # an explicit interpreter: the venv must be of its version
            wanted="$(find_python)"
            same="$("$wanted" -c 'import sys; print(sys.version_info[:2])')"
            have="$("$venv_python" -c 'import sys; print(sys.version_info[:2])')"
            if [ "$same" != "$have" ]; then
                echo "setup: .venv is Python $have but PYTHON asks for $same; recreating .venv"
                reuse=0
            fi
        fi
    else
        echo "setup: .venv exists but its Python is missing, broken or older than $MIN_MAJOR.$MIN_MINOR; recreating it"
    fi
fi

if [ "$reuse" = 1 ]; then
    base="$("$venv_python" -c 'import sys; print(getattr(sys, "_base_executable", sys.executable))')"
    echo "setup: using the existing .venv: $(describe "$venv_python") (base interpreter $base)"
else
    py="$(find_python)"
    echo "setup: using $(describe "$py")"
    rm -rf "$VENV"
    "$py" -m venv "$VENV"
    "$venv_python" -m pip install --quiet --upgrade pip
fi

# --- the project ---------------------------------------------------------------------------------
target="."
[ -n "$EXTRAS" ] && target=".[$EXTRAS]"
stamp="$VENV/.setup-stamp"
want_stamp="$("$venv_python" - "$EXTRAS" <<'PY'
import hashlib, sys
from pathlib import Path
h = hashlib.sha256(Path("pyproject.toml").read_bytes())
h.update(("|extras=" + sys.argv[1] + "|python=" + sys.version).encode())
print(h.hexdigest())
PY
)"
installed() {  # the project's metadata, its packages found in this checkout, its requirements met
    "$venv_python" -I - "$ROOT" "$EXTRAS" >/dev/null 2>&1 <<'PY'
import importlib.metadata as md, importlib.util, sys
from pathlib import Path
from pip._vendor.packaging.requirements import Requirement
md.version("rare-earth-abm")
root = Path(sys.argv[1]).resolve()
for name in ("model", "agents", "experiments"):
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.origin and Path(spec.origin).resolve().is_relative_to(root), name
extras = [""] + [e for e in sys.argv[2].split(",") if e]
for line in md.requires("rare-earth-abm") or []:
    req = Requirement(line)
    if req.marker is None or any(req.marker.evaluate({"extra": e}) for e in extras):
        assert req.specifier.contains(md.version(req.name), prereleases=True), line
PY
}
if [ "$FORCE" = 0 ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want_stamp" ] && installed; then
    echo "setup: the project is already installed in .venv (pip install -e \"$target\"); nothing to do"
else
    echo "setup: pip install -e \"$target\" (quiet)"
    rm -f "$stamp"
    "$venv_python" -m pip install --quiet -e "$target"
    echo "$want_stamp" >"$stamp"
fi
echo "setup: done; .venv/bin/python is $("$venv_python" -c 'import sys; print("Python " + sys.version.split()[0])')"
