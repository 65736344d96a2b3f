from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    # Uploaded spreadsheets are kept under VAR_DIR/imports; keep the repository's var/ clean.
    settings.VAR_DIR = tmp_path / "var"
