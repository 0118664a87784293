-- Schema version 3: the payment workflow's rules, kept by the database itself.
--
-- A batch is frozen once it leaves 草稿: its lines cannot be added, removed or
-- changed (only a line's status and note, which the bank's return file sets),
-- and its programme, kind, month and name cannot change.  A cancelled draft
-- (已作废) no longer holds its programme's month, so it can be made again.
-- The triggers compare old and new values, since an ORM writes every column.

ALTER TABLE "batch" ADD COLUMN "note" VARCHAR(255) NOT NULL DEFAULT '';
ALTER TABLE "batch" ADD COLUMN "exported_at" DATETIME;

DROP INDEX "batch_regular_programme_month";
CREATE UNIQUE INDEX "batch_regular_programme_month" ON "batch" ("programme_id", "month")
    WHERE "kind" = 'regular' AND "state" <> '已作废';

CREATE TRIGGER "batch_line_frozen_insert" BEFORE INSERT ON "batch_line"
WHEN (SELECT "state" FROM "batch" WHERE "id" = NEW."batch_id") <> '草稿'
BEGIN
    SELECT RAISE(ABORT, '批次已审核，不能再增加发放明细');
END;

CREATE TRIGGER "batch_line_frozen_update" BEFORE UPDATE ON "batch_line"
WHEN ((SELECT "state" FROM "batch" WHERE "id" = OLD."batch_id") <> '草稿'
      OR (SELECT "state" FROM "batch" WHERE "id" = NEW."batch_id") <> '草稿')
    AND (NEW."batch_id" IS NOT OLD."batch_id" OR NEW."enrollment_id" IS NOT OLD."enrollment_id"
         OR NEW."person_id" IS NOT OLD."person_id" OR NEW."village_id" IS NOT OLD."village_id"
         OR NEW."covered_persons" IS NOT OLD."covered_persons" OR NEW."amount" IS NOT OLD."amount"
         OR NEW."bank_account" IS NOT OLD."bank_account")
BEGIN
    SELECT RAISE(ABORT, '批次已审核，发放明细不能修改');
END;

CREATE TRIGGER "batch_line_frozen_delete" BEFORE DELETE ON "batch_line"
WHEN (SELECT "state" FROM "batch" WHERE "id" = OLD."batch_id") <> '草稿'
BEGIN
    SELECT RAISE(ABORT, '批次已审核，发放明细不能删除');
END;

CREATE TRIGGER "batch_frozen_update" BEFORE UPDATE ON "batch"
WHEN OLD."state" <> '草稿'
    AND (NEW."programme_id" IS NOT OLD."programme_id" OR NEW."kind" IS NOT OLD."kind"
         OR NEW."month" IS NOT OLD."month" OR NEW."name" IS NOT OLD."name"
         OR NEW."subsidy_id" IS NOT OLD."subsidy_id")
BEGIN
    SELECT RAISE(ABORT, '批次已审核，不能修改');
END;

CREATE TRIGGER "batch_frozen_delete" BEFORE DELETE ON "batch"
WHEN OLD."state" <> '草稿'
BEGIN
    SELECT RAISE(ABORT, '批次已审核，不能删除');
END;

-- A batch's count, persons, total (in 分, failed lines excluded) and failed
-- lines, kept up to date by the lines' triggers, so the list of batches is
-- read without summing a million lines.  Not model fields: no ORM save() can
-- overwrite them.
ALTER TABLE "batch" ADD COLUMN "line_count" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "batch" ADD COLUMN "persons" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "batch" ADD COLUMN "total" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "batch" ADD COLUMN "failed_count" INTEGER NOT NULL DEFAULT 0;

UPDATE "batch" SET
    "line_count" = (SELECT COUNT(*) FROM "batch_line" l WHERE l."batch_id" = "batch"."id"),
    "persons" = (SELECT COALESCE(SUM(l."covered_persons"), 0) FROM "batch_line" l
                 WHERE l."batch_id" = "batch"."id"),
    "total" = (SELECT COALESCE(SUM(l."amount"), 0) FROM "batch_line" l
               WHERE l."batch_id" = "batch"."id" AND l."status" <> '失败'),
    "failed_count" = (SELECT COUNT(*) FROM "batch_line" l
                      WHERE l."batch_id" = "batch"."id" AND l."status" = '失败');

CREATE TRIGGER "batch_line_sums_insert" AFTER INSERT ON "batch_line"
BEGIN
    UPDATE "batch" SET "line_count" = "line_count" + 1,
        "persons" = "persons" + NEW."covered_persons",
        "total" = "total" + CASE WHEN NEW."status" <> '失败' THEN NEW."amount" ELSE 0 END,
        "failed_count" = "failed_count" + (NEW."status" = '失败')
    WHERE "id" = NEW."batch_id";
END;

CREATE TRIGGER "batch_line_sums_delete" AFTER DELETE ON "batch_line"
BEGIN
    UPDATE "batch" SET "line_count" = "line_count" - 1,
        "persons" = "persons" - OLD."covered_persons",
        "total" = "total" - CASE WHEN OLD."status" <> '失败' THEN OLD."amount" ELSE 0 END,
        "failed_count" = "failed_count" - (OLD."status" = '失败')
    WHERE "id" = OLD."batch_id";
END;

CREATE TRIGGER "batch_line_sums_update" AFTER UPDATE OF
    "batch_id", "covered_persons", "amount", "status" ON "batch_line"
BEGIN
    UPDATE "batch" SET "line_count" = "line_count" - 1,
        "persons" = "persons" - OLD."covered_persons",
        "total" = "total" - CASE WHEN OLD."status" <> '失败' THEN OLD."amount" ELSE 0 END,
        "failed_count" = "failed_count" - (OLD."status" = '失败')
    WHERE "id" = OLD."batch_id";
    UPDATE "batch" SET "line_count" = "line_count" + 1,
        "persons" = "persons" + NEW."covered_persons",
        "total" = "total" + CASE WHEN NEW."status" <> '失败' THEN NEW."amount" ELSE 0 END,
        "failed_count" = "failed_count" + (NEW."status" = '失败')
    WHERE "id" = NEW."batch_id";
END;
