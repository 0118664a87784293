"""Township settings and setting up a new township."""
from __future__ import annotations

from .. import audit
from ..errors import ConflictError, ValidationError
from ..models import Person, Setting, Village, database
from . import villages as village_service
from .common import required_text

# Keys and their labels; the names printed on documents among them.
KEYS = {
    "township": "乡镇名称",
    "district": "区(县)名称",
    "preparer": "制表人",
    "reviewer": "审核人",
    "head": "负责人",
    "institutions": "供养机构（逗号分隔）",
}


def get_setting(key: str, default: str = "") -> str:
    row = Setting.get_or_none(Setting.key == key)
    return row.value if row else default


def all_settings() -> dict[str, str]:
    return {row.key: row.value for row in Setting.select()}


def set_setting(key: str, value: str) -> None:
    if key not in KEYS:
        raise ValidationError(f"未知的设置项：{key}")
    value = (value or "").strip()
    with database.atomic():
        old = Setting.get_or_none(Setting.key == key)
        before = {key: old.value} if old else None
        Setting.insert(key=key, value=value).on_conflict_replace().execute()
        audit.record("修改设置", "setting", key, before=before, after={key: value})


def township_name() -> str:
    return get_setting("township")


def is_initialised() -> bool:
    return bool(township_name())


def init_township(name: str, villages=()) -> None:
    """Start an empty database for one township."""
    name = required_text(name, "乡镇名称")
    with database.atomic():
        if is_initialised() or Person.select().exists() or Village.select().exists():
            raise ConflictError("数据库已经建立过乡镇，不能重复初始化")
        set_setting("township", name)
        for village in villages:
            if str(village).strip():
                village_service.add_village(village)
