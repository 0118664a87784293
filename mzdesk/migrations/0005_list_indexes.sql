-- Schema version 5: indexes a roster search leans on.
--
-- A roster search goes from the persons found to their households, then to
-- the households' enrollments; with these both steps are index-only lookups
-- (a two-letter search on 低保 matches thousands of persons).
CREATE INDEX "household_member_person_household" ON "household_member" ("person_id", "household_id", "active");
CREATE INDEX "enrollment_household_programme" ON "enrollment" ("household_id", "programme_id");
