-- Schema version 7: drop indexes that another index already covers, or that no query needs.
--
-- Each of these is the leading column of a composite index, which SQLite uses
-- for the same lookups (foreign-key checks included). Every enrollment and
-- household member written paid for them: an import of 20,000 households
-- updated six B-trees more than it needed.
--   enrollment(person_id)             ⊂ enrollment(person_id, programme_id)
--   enrollment(household_id)          ⊂ enrollment(household_id, programme_id)        (version 5)
--   household_member(household_id)    ⊂ household_member(household_id, person_id)     (unique)
--   household_member(person_id)       ⊂ household_member(person_id, household_id, active) (version 5)
--   enrollment(status): 在保 is most rows; every query on it also names the
--   programme ((programme_id, status)) or reads the whole roll anyway.
--   audit_log(at): no query reads the log by time (ids are in time order), and
--   every entry of an import paid for it.
DROP INDEX IF EXISTS "enrollment_status";
DROP INDEX IF EXISTS "audit_log_at";
DROP INDEX IF EXISTS "enrollment_person_id";
DROP INDEX IF EXISTS "enrollment_household_id";
DROP INDEX IF EXISTS "household_member_household_id";
DROP INDEX IF EXISTS "household_member_person_id";
