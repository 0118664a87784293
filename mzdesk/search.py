"""Finding a person by name, pinyin, pinyin initials, ID fragment or village.

Queries of three characters or more go through the trigram full-text index
(migration 2), which finds a fragment anywhere in a column without a scan;
shorter ones use the ordinary indexes as prefix ranges.
"""
from __future__ import annotations

import unicodedata

from .models import Person, database

LIMIT = 200


def normalise(query: str) -> str:
    # Full-width letters and digits typed with a Chinese input method → ASCII.
    text = unicodedata.normalize("NFKC", query or "")
    return "".join(text.split()).lower()


def _arm(rank: int, select: str) -> str:
    # Each arm is limited on its own, so a short, common query ('zl') never
    # materialises thousands of rows before the final LIMIT.
    return f"SELECT * FROM ({select.format(rank=rank)} LIMIT :limit)"


# Prefix ranges instead of LIKE 'x%': SQLite's LIKE is case-insensitive and
# so cannot use an ordinary index.
_ARMS = [
    "SELECT id, {rank} AS r FROM person WHERE name = :q",
    "SELECT id, {rank} AS r FROM person WHERE name >= :q AND name < :q_end",
    "SELECT id, {rank} AS r FROM person WHERE initials >= :q AND initials < :q_end",
    "SELECT id, {rank} AS r FROM person WHERE pinyin >= :q AND pinyin < :q_end",
]
_FTS_ARM = "SELECT rowid AS id, {rank} AS r FROM person_fts WHERE person_fts MATCH :phrase"
_VILLAGE_ARM = ("SELECT id, {rank} AS r FROM person WHERE village_id IN"
                " (SELECT id FROM village WHERE instr(name, :q) > 0) ORDER BY id")
_NAME_SCAN = "SELECT id FROM person WHERE instr(name, :q) > 0 ORDER BY id LIMIT :limit"


def person_ids(query: str, limit: int = LIMIT) -> list[int]:
    """Ids of matching persons, best matches first (exact name, then prefixes,
    then fragments anywhere, then people of a matching village)."""
    q = normalise(query)
    if not q:
        return []
    arms = list(_ARMS)
    if len(q) >= 3:
        arms.append(_FTS_ARM)
    arms.append(_VILLAGE_ARM)
    sql = ("SELECT id FROM (" + " UNION ALL ".join(_arm(i, a) for i, a in enumerate(arms))
           + ") GROUP BY id ORDER BY min(r), id LIMIT :limit")
    params = {"q": q, "q_end": q + "\uffff", "limit": limit,
              "phrase": '"' + q.replace('"', '""') + '"'}
    conn = database.connection()
    found = [row[0] for row in conn.execute(sql, params)]
    if not found and len(q) == 2 and not q.isascii():
        # Two Chinese characters inside a name (三丰 in 张三丰) are too short
        # for trigrams: scan the name column, only when nothing else matched.
        found = [row[0] for row in conn.execute(_NAME_SCAN, params)]
    return found


def search_persons(query: str, limit: int = LIMIT) -> list[Person]:
    ids = person_ids(query, limit)
    if not ids:
        return []
    rows = {p.id: p for p in Person.select().where(Person.id.in_(ids))}
    return [rows[i] for i in ids if i in rows]
