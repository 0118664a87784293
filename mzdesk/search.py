"""Finding a person by name, pinyin, pinyin initials, ID fragment or village.

Queries of three characters or more go through the trigram full-text index
(migration 2), which finds a fragment anywhere in a column without a scan;
shorter ones use the ordinary indexes as prefix ranges.
"""
from __future__ import annotations

import unicodedata

import peewee as pw

from .models import Person, Village

LIMIT = 200


def normalise(query: str) -> str:
    # Full-width letters and digits typed with a Chinese input method → ASCII.
    text = unicodedata.normalize("NFKC", query or "")
    return "".join(text.split()).lower()


def _prefix(field: pw.Field, text: str) -> pw.Expression:
    # A range instead of LIKE 'x%': SQLite's LIKE is case-insensitive and so
    # cannot use an ordinary index.
    return (field >= text) & (field < text + "\uffff")


def person_ids(query: str, limit: int = LIMIT) -> list[int]:
    """Ids of matching persons, best matches first (exact name, then prefixes)."""
    q = normalise(query)
    if not q:
        return []
    found: list[int] = []
    seen: set[int] = set()

    def take(select: pw.Select) -> None:
        for (pid,) in select.limit(limit).tuples():
            if pid not in seen and len(found) < limit:
                seen.add(pid)
                found.append(pid)

    upper = q.upper()  # the X of an ID number
    take(Person.select(Person.id).where(Person.name == q))
    take(Person.select(Person.id).where(_prefix(Person.name, q)))
    take(Person.select(Person.id).where(_prefix(Person.initials, q)))
    take(Person.select(Person.id).where(_prefix(Person.pinyin, q)))
    if len(q) >= 3:
        phrase = '"' + upper.replace('"', '""') + '"'
        take(Person.select(Person.id).where(
            Person.id.in_(pw.SQL("(SELECT rowid FROM person_fts WHERE person_fts MATCH ?)", (phrase,)))))
    elif len(q) == 2 and not q.isascii() and not found:
        # Two Chinese characters inside a name (三丰 in 张三丰): too short for
        # trigrams; scan the name column, but only when nothing better matched.
        take(Person.select(Person.id).where(Person.name.contains(q)))
    villages = [v.id for v in Village.select(Village.id).where(Village.name.contains(q))]
    if villages and len(found) < limit:
        take(Person.select(Person.id).where(Person.village.in_(villages)).order_by(Person.id))
    return found[:limit]


def search_persons(query: str, limit: int = LIMIT) -> list[Person]:
    ids = person_ids(query, limit)
    if not ids:
        return []
    rows = {p.id: p for p in Person.select().where(Person.id.in_(ids))}
    return [rows[i] for i in ids if i in rows]
