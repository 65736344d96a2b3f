"""zh-Hans is the default language and must be complete; English is the source."""

from __future__ import annotations

from pathlib import Path

import polib

import shequ

CATALOGUE = Path(shequ.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_every_string_has_a_chinese_translation():
    po = polib.pofile(str(CATALOGUE / "django.po"))
    assert len(po) > 100
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []


def test_the_compiled_catalogue_matches_the_source():
    po = {e.msgid: e.msgstr for e in polib.pofile(str(CATALOGUE / "django.po")) if e.msgstr}
    mo = {e.msgid: e.msgstr for e in polib.mofile(str(CATALOGUE / "django.mo")) if e.msgid}
    assert mo == po, "run `make messages` to recompile django.mo"


def test_placeholders_survive_translation():
    for entry in polib.pofile(str(CATALOGUE / "django.po")):
        for marker in ("%s", "%(", "{"):
            assert entry.msgid.count(marker) == entry.msgstr.count(marker), entry.msgid
