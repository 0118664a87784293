-- Schema version 6: the district keeps each township's 本月新增 / 本月减少.
--
-- The 民政月报 sheet of a package gives, for a monthly programme, the
-- enrollments that entered and left the paid roll this month.  Both columns
-- are nullable on purpose: a row that is not a monthly roll (一次性补贴,
-- 临时救助, 医疗救助) has none, nor has a package written before the township
-- side had them, nor a package loaded by a district before this version.  NULL
-- means "not reported" and the district report shows it blank, never as 0.
ALTER TABLE "district_figure" ADD COLUMN "added" INTEGER;
ALTER TABLE "district_figure" ADD COLUMN "removed" INTEGER;
