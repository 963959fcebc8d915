"""Who uploaded a file: the learning-management system says so, never the student.

The uploader is read from the first name the LMS chose on the file's path (the download's own zips,
which name nobody, are looked through):

- Moodle "download all submissions", in folders: `<full name>_<internal id>_assignsubmission_file_/`
  holding the files as the student named them (zips included);
- Moodle without folders: `<full name>_<internal id>_assignsubmission_file_<file as the student named it>`;
- a plain zip of `<id>_<file>` (the LMS prefixed the student's file name with the id), or of `<id>/` folders.

For a Moodle place the student id is, in this order: `[collect.participants]` of course.toml (internal
id -> student id), the internal id when it has the form of a student id, or the one student id in the
full name. Everything below that first name (the rest of the file name, folders, zips, the notebook's
text) was chosen by the student: an id found there is only a claim, and a claim of another student's
id makes the file rejected, never placed under anyone.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

MOODLE = re.compile(r"^(?P<name>.*)_(?P<internal>[^_]+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<rest>.*)$", re.S)
# Where a notebook's text says whose it is: 学籍番号: s1234567, STUDENT_ID = "s1234567", export-html's header.
ID_LABEL = r"(?:学籍番号|学生番号|学生証番号|student[ _-]?(?:id|number|no))"
LABEL_GAP = r"(?:<[^<>]{0,20}>|\\n|[\s:=：'\"*_\\(（)）])*"


@dataclass(frozen=True)
class Place:
    """The per-student place the LMS made: its layout, the name that says who, and the uploader."""

    layout: str
    name: str
    uploader: str | None  # None: a Moodle place whose student id cannot be read
    own_parts: tuple[str, ...]  # names below it, chosen by the student (the file's own name last)


def id_regex(pattern: str) -> re.Pattern:
    return re.compile(rf"(?<![A-Za-z0-9])(?P<id>{pattern})(?![0-9])")


def _moodle_uploader(match: re.Match, pattern: str, participants: dict) -> str | None:
    internal = match.group("internal")
    if internal in participants:
        return str(participants[internal]).lower()
    if re.fullmatch(pattern, internal):
        return internal.lower()
    in_name = {m.group("id").lower() for m in id_regex(pattern).finditer(match.group("name"))}
    return in_name.pop() if len(in_name) == 1 else None


def lms_place(part: str, is_file: bool, pattern: str, participants: dict) -> tuple[str, str | None, str] | None:
    """(layout, uploader, the rest of the name chosen by the student) when `part` is a name the LMS made."""
    moodle = MOODLE.match(part)
    if moodle and (is_file or not moodle.group("rest")):
        layout = "Moodle file name" if is_file else "Moodle folder"
        return layout, _moodle_uploader(moodle, pattern, participants), moodle.group("rest")
    plain = re.fullmatch(rf"(?P<id>{pattern})(?:_(?P<rest>.+))?", part, re.S)
    if plain and (plain.group("rest") or not is_file):
        return ("<id>_<file>" if plain.group("rest") else "<id>/ folder"), plain.group("id").lower(), \
            plain.group("rest") or ""
    return None


def place_of(relative: PurePath, download_zips: set[PurePath], pattern: str, participants: dict) -> Place | None:
    """The LMS place of a file (path relative to the download), or None when it is in none: its first
    name that is not one of the download's own zips must be a recognised per-student name."""
    parts = relative.parts
    for depth, part in enumerate(parts):
        found = lms_place(part, depth == len(parts) - 1, pattern, participants)
        if found:
            layout, uploader, rest = found
            own = ((rest,) if rest else ()) + parts[depth + 1:]
            return Place(layout, str(PurePath(*parts[:depth + 1])), uploader, own)
        if PurePath(*parts[:depth + 1]) not in download_zips:
            return None
    return None


def claimed_ids(own_parts: tuple[str, ...], pattern: str) -> set[str]:
    """Student ids written in the names the student chose (folders inside the place, the file's stem)."""
    names = [*own_parts[:-1], PurePath(own_parts[-1]).stem] if own_parts else []
    return {m.group("id").lower() for name in names for m in id_regex(pattern).finditer(name)}


LABEL_ENDINGS = (("番号", ("学籍", "学生", "学生証")), ("tudent", ("s", "ſ")))  # IGNORECASE takes ſ for s


def _label_starts(folded: str | bytes) -> list[int]:
    """Where an ID_LABEL may start in `folded` (ASCII letters lower-cased; text, or its UTF-8 bytes), found with
    find: every label ends in 番号 or in `tudent`, after one of the words that can come before it."""
    starts = []
    for ending, before in LABEL_ENDINGS:
        if isinstance(folded, bytes):
            ending, before = ending.encode(), [word.encode() for word in before]
        at = folded.find(ending)
        while at >= 0:
            starts += [at - len(word) for word in before
                       if at >= len(word) and folded.startswith(word, at - len(word))]
            at = folded.find(ending, at + 1)
    return sorted(starts)


def content_claims(data: bytes, pattern: str) -> set[str]:
    """Student ids the file's text states as its owner's (学籍番号: ..., student_id = "...").

    The same matches as the label regex's finditer over the whole text, found faster: the bytes are searched
    for where a label can start, only the text from the first such place is decoded (it starts a character,
    so it decodes as in the whole text), and the regex is tried only at those places."""
    folded = data.lower()  # bytes.lower changes ASCII letters only: every character stays where it was
    starts = _label_starts(folded)
    if not starts:
        return set()
    text = folded[starts[0]:].decode("utf-8", errors="replace")
    regex = re.compile(rf"{ID_LABEL}{LABEL_GAP}(?P<id>{pattern})(?![0-9])", re.IGNORECASE)
    claims, resume = set(), 0
    for start in _label_starts(text):
        match = regex.match(text, start) if start >= resume else None
        if match:
            claims.add(match.group("id").lower())
            resume = match.end()
    return claims
