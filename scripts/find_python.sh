#!/usr/bin/env bash
# Prints the path of a Python 3.12+ interpreter, or nothing (and why, on stderr, exit 1).
# Order: the argument (PYTHON=...), then PATH, then pyenv's installed versions (newest first).
version() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null; }
new_enough() {
  local v major minor
  v=$(version "$1") || return 1
  major=${v%%.*} minor=${v#*.}
  [ "$major" -gt 3 ] || { [ "$major" -eq 3 ] && [ "$minor" -ge 12 ]; }
}
if [ -n "${1:-}" ]; then
  if new_enough "$1"; then command -v "$1"; exit 0; fi
  if v=$(version "$1"); then
    echo "Python $v is too old: allysim needs 3.12 or newer (PYTHON=$1)" >&2
  else
    echo "PYTHON=$1 does not run as a Python interpreter: allysim needs Python 3.12 or newer" >&2
  fi
  exit 1
fi
for name in python3.14 python3.13 python3.12 python3 python; do
  p=$(command -v "$name" 2>/dev/null) && new_enough "$p" && { echo "$p"; exit 0; }
done
root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
for p in $(ls -d "$root"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -V -r); do
  new_enough "$p" && { echo "$p"; exit 0; }
done
echo "allysim needs Python 3.12 or newer and found none (PATH, pyenv)." >&2
exit 1
