"""Every translatable string in the code is in the zh-Hans catalogue, translated.

Extracts the strings with Django's makemessages into a scratch copy (needs GNU gettext's
xgettext) and compares them with the committed django.po. Run by `make lint`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

SRC = Path(__file__).resolve().parent.parent / "src" / "shequ"
PO = "locale/zh_Hans/LC_MESSAGES/django.po"


def main() -> int:
    committed = {
        e.msgid
        for e in polib.pofile(str(SRC / PO))
        if (e.msgstr or any(e.msgstr_plural.values())) and not e.fuzzy
    }
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "shequ"
        shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__", "static"))
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "shequ.settings", "SHEQU_VAR_DIR": tmp}
        subprocess.run(
            [sys.executable, "-m", "django", "makemessages", "-l", "zh_Hans", "--no-location"],
            cwd=copy,
            env=env,
            check=True,
            capture_output=True,
        )
        extracted = {e.msgid for e in polib.pofile(str(copy / PO)) if e.msgid}
    missing = sorted(extracted - committed)
    if missing:
        print(f"{len(missing)} strings lack a zh-Hans translation (run `make messages`):")
        for msgid in missing[:40]:
            print(f"  {msgid!r}")
        return 1
    print(f"zh-Hans catalogue complete: {len(extracted)} strings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
