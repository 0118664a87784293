"""The district side's tables (migrations 0004, 0006): packages loaded from townships.

They subclass mzdesk.models.BaseModel, so they are bound to the same database
proxy as every other model when mzdesk.db opens a file.  They are kept out of
mzdesk.models.ALL_MODELS on purpose: that list is the township's own data
(the backup test fills every table in it), and a township never writes here.

Bank accounts are not loaded: the district adds up figures and looks for the
same person on two townships' rolls; it needs names and ID numbers for that,
not accounts.
"""
from __future__ import annotations

import peewee as pw

from ..fields import JSONField, MoneyField, MonthField
from ..models import BaseModel, now


class DistrictPackage(BaseModel):
    """One township's package for one month, as loaded (its manifest kept whole)."""

    township = pw.CharField()
    district = pw.CharField(default="")
    month = MonthField()
    created_at = pw.DateTimeField()  # when the township made the package
    loaded_at = pw.DateTimeField(default=now)
    source = pw.CharField()  # the package folder's name
    encrypted = pw.BooleanField(default=False)
    manifest = JSONField()
    active = pw.BooleanField(default=True)  # False once replaced by a newer load
    replaced_by = pw.ForeignKeyField("self", null=True, backref="replaced")


class DistrictFigure(BaseModel):
    """A row of the township's 民政月报 sheet."""

    package = pw.ForeignKeyField(DistrictPackage, backref="figures")
    position = pw.IntegerField()  # row order in the township's sheet
    code = pw.CharField()  # programme code, 'oneoff', 'relief_temp', 'relief_medical'
    name = pw.CharField()
    households = pw.IntegerField()
    persons = pw.IntegerField()
    amount_month = MoneyField()
    amount_year = MoneyField()
    note = pw.CharField(default="")
    # 本月新增 / 本月减少 (migration 0006): NULL where the township reported none (not a
    # monthly roll, or a package or a load older than these columns), never read as 0.
    added = pw.IntegerField(null=True)
    removed = pw.IntegerField(null=True)


class DistrictRosterLine(BaseModel):
    """A line of a township's roster of the month (no bank account)."""

    package = pw.ForeignKeyField(DistrictPackage, backref="roster_lines")
    programme = pw.CharField()
    seq = pw.IntegerField()
    village = pw.CharField(default="")
    name = pw.CharField()
    id_number = pw.CharField()
    covered_persons = pw.IntegerField(default=1)
    category = pw.CharField(default="")
    amount = MoneyField()


DISTRICT_MODELS = [DistrictPackage, DistrictFigure, DistrictRosterLine]
