#!/usr/bin/env bash
# Prints the path of a Python 3.12+ interpreter, or nothing.
# Order: the argument (PYTHON=...), then PATH, then pyenv's installed versions (newest first).
ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; }
if [ -n "${1:-}" ]; then ok "$1" && command -v "$1"; exit 0; fi
for name in python3.14 python3.13 python3.12 python3 python; do
  p=$(command -v "$name" 2>/dev/null) && ok "$p" && { echo "$p"; exit 0; }
done
root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
for p in $(ls -d "$root"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -V -r); do
  ok "$p" && { echo "$p"; exit 0; }
done
