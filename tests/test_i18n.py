"""Every interface string is in both catalogs, and Dutch has a translation for each."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime
from babel.messages.pofile import read_po

from wiki.config import Settings
from wiki.web import i18n

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "wiki" / "locale"


def extracted(tmp_path: Path, source: Path = ROOT) -> set[str]:
    """The strings in the templates and code under ``source``, extracted as ``make catalogs`` does."""
    pot = tmp_path / "now.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "N_",
            "--no-location",
            "-o",
            str(pot),
            ".",
        ],
        cwd=source,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        return {message.id for message in read_po(handle) if message.id and isinstance(message.id, str)}


def catalog(language: str) -> dict[str, str]:
    with (LOCALE / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return {m.id: str(m.string or "") for m in read_po(handle) if m.id and isinstance(m.id, str)}


@pytest.mark.parametrize("language", ["nl", "en"])
def test_no_interface_string_is_missing_from_a_catalog(tmp_path: Path, language: str) -> None:
    missing = sorted(extracted(tmp_path) - set(catalog(language)))
    assert missing == [], f"run `make catalogs` and translate: {missing}"


def test_every_dutch_string_is_translated_with_its_placeholders() -> None:
    for source, dutch in catalog("nl").items():
        assert dutch, f"no Dutch for {source!r}"
        assert sorted(re.findall(r"%\(\w+\)s", source)) == sorted(re.findall(r"%\(\w+\)s", dutch)), source


def test_a_template_string_without_translation_is_caught(tmp_path: Path) -> None:
    """Why: the extraction must see templates; a planted one, in a folder of the test's own."""
    planted = tmp_path / "site" / "templates" / "planted.html"
    planted.parent.mkdir(parents=True)
    planted.write_text('{{ _("A sentence nobody translated") }}')
    assert "A sentence nobody translated" in extracted(tmp_path, tmp_path / "site") - set(catalog("nl"))


@pytest.mark.parametrize("language", ["nl", "en"])
def test_dates_read_as_babel_writes_them(language: str) -> None:
    # Every hour, minute and second, on days across the years and both sides of summer time.
    moments = [datetime(2009, 3, 1, 9, 5, tzinfo=UTC) + timedelta(days=13 * n, seconds=4_999 * n) for n in range(600)]
    i18n.set_language(language)
    try:
        assert [i18n.format_date(moment) for moment in moments] == [
            format_datetime(moment, format="medium", locale=language, tzinfo=ZoneInfo("Europe/Amsterdam"))
            for moment in moments
        ]
    finally:
        i18n.set_language(i18n.DEFAULT_LANGUAGE)


@pytest.mark.parametrize(
    ("zone", "summer", "winter"),
    [("Europe/Amsterdam", "12:00:00", "11:00:00"), ("UTC", "10:00:00", "10:00:00")],
)
def test_dates_are_shown_in_the_sites_time_zone_summer_and_winter(zone: str, summer: str, winter: str) -> None:
    """Dutch readers expect Amsterdam time (two hours ahead of UTC in summer, one in winter)."""
    i18n.set_timezone(zone)
    try:
        assert summer in i18n.format_date(datetime(2026, 7, 1, 10, 0, tzinfo=UTC))
        assert winter in i18n.format_date(datetime(2026, 1, 15, 10, 0, tzinfo=UTC))
    finally:
        i18n.set_timezone("Europe/Amsterdam")


def test_an_unknown_time_zone_is_refused_with_its_setting_named() -> None:
    with pytest.raises(ValueError, match="WIKI_TIMEZONE must name a time zone"):
        Settings(timezone="Europe/Atlantis")
    for wrong in ("../etc/passwd", "Europe", ""):
        with pytest.raises(ValueError, match="WIKI_TIMEZONE"):
            Settings(timezone=wrong)
