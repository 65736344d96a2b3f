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


def _texts(entries) -> dict:
    """(context, msgid) → its translation(s), plural forms included."""
    return {
        (e.msgctxt, e.msgid): e.msgstr or tuple(sorted(e.msgstr_plural.items()))
        for e in entries
        if e.msgid and (e.msgstr or e.msgstr_plural)
    }


def test_the_compiled_catalogue_matches_the_source():
    po = _texts(polib.pofile(str(CATALOGUE / "django.po")))
    mo = _texts(polib.mofile(str(CATALOGUE / "django.mo")))
    assert mo == po, "run `make messages` to recompile django.mo"


def test_placeholders_survive_translation():
    for entry in polib.pofile(str(CATALOGUE / "django.po")):
        translations = [entry.msgstr] if not entry.msgid_plural else entry.msgstr_plural.values()
        for text in translations:
            for marker in ("%s", "%(", "{"):
                assert entry.msgid.count(marker) == text.count(marker), entry.msgid
