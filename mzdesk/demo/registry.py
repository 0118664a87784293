"""Bank accounts and person tags.

Every recipient gets an account of their own: 19 digits, a real bank's
prefix (6217…, 6228…) and a Luhn check digit, never the same twice, so the
only shared account in the demo is the planted one.
"""
from __future__ import annotations

from . import names
from .programmes import Rolls, add_tag
from .world import World


def luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = ord(ch) - 48
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def assign_accounts(w: World, rolls: Rolls) -> None:
    rng = w.rng
    used: set[str] = set()
    seen: set[int] = set()
    for e in rolls.all():
        p = e.person
        if p.id in seen:
            continue
        seen.add(p.id)
        prefix, bank = names.BANKS[rng.randrange(len(names.BANKS))]
        while True:
            body = f"{prefix}{rng.randrange(10**12):012d}"
            account = body + luhn_digit(body)
            if account not in used:
                used.add(account)
                break
        p.bank_name, p.bank_account = bank, account


def assign_tags(w: World, rolls: Rolls) -> None:
    """在校学生 in the households on a roll; a few 重症精神病; 残疾 is set with 两项补贴."""
    rng = w.rng
    for e in rolls.dibao + rolls.bianyuan:
        for p in e.members:
            if 6 <= p.age <= 18 or (19 <= p.age <= 22 and rng.random() < 0.6):
                add_tag(p, "在校学生")
    active = [p for e in rolls.dibao if e.stop is None for p in e.members
              if p.age >= 18 and p.death is None and p.id not in w.reserved]
    tekun = [e.person for e in rolls.tekun if e.stop is None and e.person.death is None
             and e.person.id not in w.reserved]
    for pool, count in ((active, w.n(9)), (tekun, w.n(3))):
        for p in rolls.weighted_sample(pool, lambda p: 1.0, min(count, len(pool))):
            add_tag(p, "重症精神病")
