"""Pinyin keys for search: 张三丰 → ('zhangsanfeng', 'zsf').

pypinyin is slow per call, so characters are cached: a township's names use
a few thousand distinct characters at most.
"""
from __future__ import annotations

from functools import lru_cache

# Surnames whose reading differs from the character's most common one.
_SURNAME_READINGS = {
    "单": "shan", "曾": "zeng", "解": "xie", "仇": "qiu", "朴": "piao", "区": "ou",
    "查": "zha", "乐": "yue", "尉": "yu", "覃": "qin", "缪": "miao", "翟": "zhai",
    "盖": "ge", "繁": "po", "黑": "he", "折": "she", "召": "shao", "员": "yun",
}


@lru_cache(maxsize=20000)
def _char(ch: str) -> str:
    if ch.isascii():
        return ch.lower()
    # Imported here: pypinyin's dictionaries take a few hundred ms to load,
    # which the window's start-up should not pay.
    from pypinyin import Style, lazy_pinyin
    syllable = lazy_pinyin(ch, style=Style.NORMAL, errors="ignore")
    return syllable[0].replace("ü", "v") if syllable else ch.lower()


@lru_cache(maxsize=100000)
def name_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials) of a person's name, lower case, no spaces."""
    # map() and joins over cached characters: an import of 20,000 new names calls this
    # 20,000 times
    name = "".join(name.split())
    syllables = list(map(_char, name))
    if name[:1] in _SURNAME_READINGS:
        syllables[0] = _SURNAME_READINGS[name[0]]
    return "".join(syllables), "".join([s[:1] for s in syllables])
