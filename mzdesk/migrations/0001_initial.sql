-- Schema version 1: the tables of DESIGN §2, frozen as created.

CREATE TABLE "activity" ("id" INTEGER NOT NULL PRIMARY KEY, "kind" VARCHAR(255) NOT NULL, "title" VARCHAR(255) NOT NULL, "held_date" DATE NOT NULL, "participants" INTEGER NOT NULL, "note" VARCHAR(255) NOT NULL);
CREATE TABLE "audit_log" ("id" INTEGER NOT NULL PRIMARY KEY, "at" DATETIME NOT NULL, "user" VARCHAR(255) NOT NULL, "action" VARCHAR(255) NOT NULL, "entity" VARCHAR(255) NOT NULL, "entity_id" VARCHAR(255) NOT NULL, "summary" VARCHAR(255) NOT NULL, "before" TEXT, "after" TEXT);
CREATE TABLE "programme" ("code" VARCHAR(255) NOT NULL PRIMARY KEY, "name" VARCHAR(255) NOT NULL, "unit" VARCHAR(255) NOT NULL, "monthly" INTEGER NOT NULL, "sort_order" INTEGER NOT NULL);
CREATE TABLE "village" ("id" INTEGER NOT NULL PRIMARY KEY, "name" VARCHAR(255) NOT NULL, "kind" VARCHAR(255) NOT NULL, "code" VARCHAR(255), "sort_order" INTEGER NOT NULL, "active" INTEGER NOT NULL, "merged_into_id" INTEGER, FOREIGN KEY ("merged_into_id") REFERENCES "village" ("id"));
CREATE TABLE "one_off_subsidy" ("id" INTEGER NOT NULL PRIMARY KEY, "name" VARCHAR(255) NOT NULL, "programmes" VARCHAR(255) NOT NULL, "month" VARCHAR(7) NOT NULL, "basis" VARCHAR(255) NOT NULL, "amount" INTEGER NOT NULL, "tag_filter" VARCHAR(255) NOT NULL, "village_id" INTEGER, "note" VARCHAR(255) NOT NULL, FOREIGN KEY ("village_id") REFERENCES "village" ("id"));
CREATE TABLE "batch" ("id" INTEGER NOT NULL PRIMARY KEY, "programme_id" VARCHAR(255), "kind" VARCHAR(255) NOT NULL, "month" VARCHAR(7) NOT NULL, "name" VARCHAR(255) NOT NULL, "state" VARCHAR(255) NOT NULL, "subsidy_id" INTEGER, "created_at" DATETIME NOT NULL, "approved_at" DATETIME, "approved_by" VARCHAR(255) NOT NULL, "paid_date" DATE, FOREIGN KEY ("programme_id") REFERENCES "programme" ("code"), FOREIGN KEY ("subsidy_id") REFERENCES "one_off_subsidy" ("id"));
CREATE TABLE "person" ("id" INTEGER NOT NULL PRIMARY KEY, "id_number" VARCHAR(255) NOT NULL, "name" VARCHAR(255) NOT NULL, "pinyin" VARCHAR(255) NOT NULL, "initials" VARCHAR(255) NOT NULL, "sex" VARCHAR(255) NOT NULL, "birth_date" DATE NOT NULL, "village_id" INTEGER, "address" VARCHAR(255) NOT NULL, "phone" VARCHAR(255) NOT NULL, "bank_name" VARCHAR(255) NOT NULL, "bank_account" VARCHAR(255) NOT NULL, "death_date" DATE, "note" TEXT NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL, FOREIGN KEY ("village_id") REFERENCES "village" ("id"));
CREATE TABLE "household" ("id" INTEGER NOT NULL PRIMARY KEY, "village_id" INTEGER, "head_id" INTEGER NOT NULL, "address" VARCHAR(255) NOT NULL, "area" VARCHAR(255) NOT NULL, "active" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, FOREIGN KEY ("village_id") REFERENCES "village" ("id"), FOREIGN KEY ("head_id") REFERENCES "person" ("id"));
CREATE TABLE "enrollment" ("id" INTEGER NOT NULL PRIMARY KEY, "programme_id" VARCHAR(255) NOT NULL, "person_id" INTEGER NOT NULL, "household_id" INTEGER, "category" VARCHAR(255) NOT NULL, "covered_persons" INTEGER NOT NULL, "per_capita_income" INTEGER, "amount" INTEGER NOT NULL, "amount_reason" VARCHAR(255) NOT NULL, "details" TEXT NOT NULL, "bank_account" VARCHAR(255) NOT NULL, "start_month" VARCHAR(7) NOT NULL, "stop_month" VARCHAR(7), "stop_reason" VARCHAR(255) NOT NULL, "status" VARCHAR(255) NOT NULL, "created_at" DATETIME NOT NULL, FOREIGN KEY ("programme_id") REFERENCES "programme" ("code"), FOREIGN KEY ("person_id") REFERENCES "person" ("id"), FOREIGN KEY ("household_id") REFERENCES "household" ("id"));
CREATE TABLE "batch_line" ("id" INTEGER NOT NULL PRIMARY KEY, "batch_id" INTEGER NOT NULL, "enrollment_id" INTEGER, "person_id" INTEGER NOT NULL, "village_id" INTEGER, "covered_persons" INTEGER NOT NULL, "amount" INTEGER NOT NULL, "bank_account" VARCHAR(255) NOT NULL, "status" VARCHAR(255) NOT NULL, "note" VARCHAR(255) NOT NULL, FOREIGN KEY ("batch_id") REFERENCES "batch" ("id"), FOREIGN KEY ("enrollment_id") REFERENCES "enrollment" ("id"), FOREIGN KEY ("person_id") REFERENCES "person" ("id"), FOREIGN KEY ("village_id") REFERENCES "village" ("id"));
CREATE TABLE "card_issuance" ("id" INTEGER NOT NULL PRIMARY KEY, "person_id" INTEGER NOT NULL, "card_type" VARCHAR(255) NOT NULL, "number" VARCHAR(255) NOT NULL, "issued_date" DATE NOT NULL, FOREIGN KEY ("person_id") REFERENCES "person" ("id"));
CREATE TABLE "death" ("id" INTEGER NOT NULL PRIMARY KEY, "person_id" INTEGER NOT NULL, "death_date" DATE NOT NULL, "cremated" INTEGER NOT NULL, "funeral_home" VARCHAR(255) NOT NULL, "registered_at" DATETIME NOT NULL, "note" VARCHAR(255) NOT NULL, FOREIGN KEY ("person_id") REFERENCES "person" ("id"));
CREATE TABLE "enrollment_event" ("id" INTEGER NOT NULL PRIMARY KEY, "enrollment_id" INTEGER NOT NULL, "kind" VARCHAR(255) NOT NULL, "month" VARCHAR(7) NOT NULL, "amount" INTEGER, "reason" VARCHAR(255) NOT NULL, "at" DATETIME NOT NULL, "user" VARCHAR(255) NOT NULL, FOREIGN KEY ("enrollment_id") REFERENCES "enrollment" ("id"));
CREATE TABLE "household_member" ("id" INTEGER NOT NULL PRIMARY KEY, "household_id" INTEGER NOT NULL, "person_id" INTEGER NOT NULL, "relation" VARCHAR(255) NOT NULL, "active" INTEGER NOT NULL, FOREIGN KEY ("household_id") REFERENCES "household" ("id"), FOREIGN KEY ("person_id") REFERENCES "person" ("id"));
CREATE TABLE "house_survey" ("id" INTEGER NOT NULL PRIMARY KEY, "person_id" INTEGER NOT NULL, "village_id" INTEGER, "persons" INTEGER NOT NULL, "intention" VARCHAR(255) NOT NULL, "family_type" VARCHAR(255) NOT NULL, "pilot" INTEGER NOT NULL, "progress" VARCHAR(255) NOT NULL, "compensation" INTEGER NOT NULL, "transition_fee" INTEGER NOT NULL, "survey_date" DATE NOT NULL, "note" VARCHAR(255) NOT NULL, FOREIGN KEY ("person_id") REFERENCES "person" ("id"), FOREIGN KEY ("village_id") REFERENCES "village" ("id"));
CREATE TABLE "indicator" ("id" INTEGER NOT NULL PRIMARY KEY, "name" VARCHAR(255) NOT NULL, "month" VARCHAR(7) NOT NULL, "value" VARCHAR(255) NOT NULL, "unit" VARCHAR(255) NOT NULL);
CREATE TABLE "meta" ("key" VARCHAR(255) NOT NULL PRIMARY KEY, "value" TEXT NOT NULL);
CREATE TABLE "person_tag" ("id" INTEGER NOT NULL PRIMARY KEY, "person_id" INTEGER NOT NULL, "tag" VARCHAR(255) NOT NULL, FOREIGN KEY ("person_id") REFERENCES "person" ("id"));
CREATE TABLE "relief_case" ("id" INTEGER NOT NULL PRIMARY KEY, "kind" VARCHAR(255) NOT NULL, "case_type" VARCHAR(255) NOT NULL, "person_id" INTEGER NOT NULL, "household_id" INTEGER, "target_group" VARCHAR(255) NOT NULL, "amount" INTEGER NOT NULL, "approved_date" DATE NOT NULL, "paid_date" DATE, "note" VARCHAR(255) NOT NULL, "cancelled" INTEGER NOT NULL, FOREIGN KEY ("person_id") REFERENCES "person" ("id"), FOREIGN KEY ("household_id") REFERENCES "household" ("id"));
CREATE TABLE "setting" ("key" VARCHAR(255) NOT NULL PRIMARY KEY, "value" TEXT NOT NULL);
CREATE TABLE "standard" ("id" INTEGER NOT NULL PRIMARY KEY, "programme_id" VARCHAR(255) NOT NULL, "category" VARCHAR(255) NOT NULL, "amount" INTEGER NOT NULL, "basis" VARCHAR(255) NOT NULL, "effective_from" VARCHAR(7) NOT NULL, "effective_to" VARCHAR(7), "note" VARCHAR(255) NOT NULL, FOREIGN KEY ("programme_id") REFERENCES "programme" ("code"));
CREATE TABLE "user" ("id" INTEGER NOT NULL PRIMARY KEY, "username" VARCHAR(255) NOT NULL, "display_name" VARCHAR(255) NOT NULL, "role" VARCHAR(255) NOT NULL, "active" INTEGER NOT NULL);
CREATE INDEX "audit_log_at" ON "audit_log" ("at");
CREATE INDEX "audit_log_entity_entity_id" ON "audit_log" ("entity", "entity_id");
CREATE UNIQUE INDEX "village_name" ON "village" ("name");
CREATE UNIQUE INDEX "village_code" ON "village" ("code");
CREATE INDEX "village_merged_into_id" ON "village" ("merged_into_id");
CREATE INDEX "one_off_subsidy_village_id" ON "one_off_subsidy" ("village_id");
CREATE INDEX "batch_programme_id" ON "batch" ("programme_id");
CREATE INDEX "batch_subsidy_id" ON "batch" ("subsidy_id");
CREATE UNIQUE INDEX "person_id_number" ON "person" ("id_number");
CREATE INDEX "person_name" ON "person" ("name");
CREATE INDEX "person_pinyin" ON "person" ("pinyin");
CREATE INDEX "person_initials" ON "person" ("initials");
CREATE INDEX "person_village_id" ON "person" ("village_id");
CREATE INDEX "household_village_id" ON "household" ("village_id");
CREATE INDEX "household_head_id" ON "household" ("head_id");
CREATE INDEX "enrollment_programme_id" ON "enrollment" ("programme_id");
CREATE INDEX "enrollment_person_id" ON "enrollment" ("person_id");
CREATE INDEX "enrollment_household_id" ON "enrollment" ("household_id");
CREATE INDEX "enrollment_status" ON "enrollment" ("status");
CREATE INDEX "enrollment_programme_id_status" ON "enrollment" ("programme_id", "status");
CREATE INDEX "enrollment_person_id_programme_id" ON "enrollment" ("person_id", "programme_id");
CREATE INDEX "batch_line_batch_id" ON "batch_line" ("batch_id");
CREATE INDEX "batch_line_enrollment_id" ON "batch_line" ("enrollment_id");
CREATE INDEX "batch_line_person_id" ON "batch_line" ("person_id");
CREATE INDEX "batch_line_village_id" ON "batch_line" ("village_id");
CREATE UNIQUE INDEX "batch_line_batch_id_enrollment_id" ON "batch_line" ("batch_id", "enrollment_id");
CREATE INDEX "card_issuance_person_id" ON "card_issuance" ("person_id");
CREATE UNIQUE INDEX "death_person_id" ON "death" ("person_id");
CREATE INDEX "enrollment_event_enrollment_id" ON "enrollment_event" ("enrollment_id");
CREATE INDEX "household_member_household_id" ON "household_member" ("household_id");
CREATE INDEX "household_member_person_id" ON "household_member" ("person_id");
CREATE UNIQUE INDEX "household_member_household_id_person_id" ON "household_member" ("household_id", "person_id");
CREATE INDEX "house_survey_person_id" ON "house_survey" ("person_id");
CREATE INDEX "house_survey_village_id" ON "house_survey" ("village_id");
CREATE UNIQUE INDEX "indicator_name_month" ON "indicator" ("name", "month");
CREATE INDEX "person_tag_person_id" ON "person_tag" ("person_id");
CREATE INDEX "person_tag_tag" ON "person_tag" ("tag");
CREATE UNIQUE INDEX "person_tag_person_id_tag" ON "person_tag" ("person_id", "tag");
CREATE INDEX "relief_case_person_id" ON "relief_case" ("person_id");
CREATE INDEX "relief_case_household_id" ON "relief_case" ("household_id");
CREATE INDEX "standard_programme_id" ON "standard" ("programme_id");
CREATE UNIQUE INDEX "user_username" ON "user" ("username");

-- The database itself refuses a second regular batch of a programme for a month.
CREATE UNIQUE INDEX "batch_regular_programme_month" ON "batch" ("programme_id", "month") WHERE "kind" = 'regular';

INSERT INTO "programme" ("code", "name", "unit", "monthly", "sort_order") VALUES
 ('dibao_urban', '城市最低生活保障', 'household', 1, 1),
 ('dibao_rural', '农村最低生活保障', 'household', 1, 2),
 ('tekun', '特困人员供养', 'person', 1, 3),
 ('youfu', '重点优抚对象', 'person', 1, 4),
 ('gaoling', '高龄津贴', 'person', 1, 5),
 ('canji', '残疾人两项补贴', 'person', 1, 6),
 ('bianyuan', '低保边缘家庭', 'household', 0, 7);

INSERT INTO "user" ("username", "display_name", "role", "active") VALUES ('clerk', '经办人', '经办人', 1);
