"""Hostile LMS downloads: students who try to place files under another student's id at collect.

One Moodle "download all submissions" zip (per-student folders `<full name>_<internal id>_assignsubmission_file_`)
for a class of three: two honest students (the victims s5400001 and s5400003) and s5400002, who tries every
way of claiming the victims' notebook. Each attack names the file as found in the download, the id it
claims and where it hides the claim. The victims' own files are older than every attack (by an hour), so
that "the newest file wins" would have given the attacker's file to the victims.

`notebook` is the notebook attacked (report11 in the issue; the toy course's `toy` in the tests).
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

VICTIM_1, ATTACKER, VICTIM_3 = "s5400001", "s5400002", "s5400003"
VICTIMS = (VICTIM_1, VICTIM_3)
HONEST_TIME = (2026, 12, 1, 9, 0, 0)  # the victims' uploads
HOUR_LATER = (2026, 12, 1, 10, 0, 0)  # every attack: an hour newer
FOLDERS = {VICTIM_1: f"佐藤 花子 {VICTIM_1}_1001_assignsubmission_file_",
           ATTACKER: f"鈴木 一郎_{ATTACKER}_assignsubmission_file_",
           VICTIM_3: "田中 三郎_1003_assignsubmission_file_"}  # no id in the name: [collect.participants]
PARTICIPANTS = '\n[collect.participants]\n"1003" = "s5400003"\n'


@dataclass(frozen=True)
class Attack:
    name: str
    what: str
    found: str  # the file as found in the download (after collect opens the zips)
    claims: str  # the other student's id it claims


def attacks(notebook: str) -> list[Attack]:
    folder = FOLDERS[ATTACKER]
    return [
        Attack("blank_in_own_folder", f"a blank {VICTIM_1}_{notebook}.ipynb in one's own LMS folder",
               f"lms/{folder}/{VICTIM_1}_{notebook}.ipynb", VICTIM_1),
        Attack("newer_in_a_zip", f"a zip holding {VICTIM_3}_{notebook}.ipynb, an hour newer than the victims' work",
               f"lms/{folder}/work/{VICTIM_3}_{notebook}.ipynb", VICTIM_3),
        Attack("folder_in_a_zip", f"a zip holding a folder {VICTIM_1}/ with {notebook}.ipynb",
               f"lms/{folder}/mine/{VICTIM_1}/{notebook}.ipynb", VICTIM_1),
        Attack("id_in_the_content", f"{notebook} (1).ipynb whose first cell says 学籍番号: {VICTIM_3}",
               f"lms/{folder}/{notebook} (1).ipynb", VICTIM_3),
    ]


def blank(release_text: str, student: str | None = None) -> str:
    """The released notebook, optionally with a first markdown line giving a student id."""
    if student is None:
        return release_text
    return release_text.replace('"cells": [', '"cells": [{"cell_type": "markdown", "id": "owner", "metadata": {}, '
                                              f'"source": "学籍番号: {student}"}}, ', 1)


def _entry(zf: zipfile.ZipFile, name: str, data: bytes | str, when: tuple) -> None:
    zf.writestr(zipfile.ZipInfo(name, date_time=when), data)


def moodle_download(notebook: str, honest: dict[str, str], release_text: str) -> bytes:
    """The Moodle zip: each victim's own notebook (`honest`, by student) and the attacker's uploads."""
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        _entry(zf, f"{VICTIM_3}_{notebook}.ipynb", blank(release_text), HOUR_LATER)
    second = io.BytesIO()
    with zipfile.ZipFile(second, "w") as zf:
        _entry(zf, f"{VICTIM_1}/{notebook}.ipynb", blank(release_text), HOUR_LATER)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for student, text in honest.items():
            _entry(zf, f"{FOLDERS[student]}/{notebook}.ipynb", text, HONEST_TIME)
        folder = FOLDERS[ATTACKER]
        _entry(zf, f"{folder}/{notebook}.ipynb", honest.get(ATTACKER, blank(release_text)), HONEST_TIME)
        _entry(zf, f"{folder}/{VICTIM_1}_{notebook}.ipynb", blank(release_text), HOUR_LATER)
        _entry(zf, f"{folder}/work.zip", inner.getvalue(), HOUR_LATER)
        _entry(zf, f"{folder}/mine.zip", second.getvalue(), HOUR_LATER)
        _entry(zf, f"{folder}/{notebook} (1).ipynb", blank(release_text, VICTIM_3), HOUR_LATER)
    return buffer.getvalue()
