-- Schema version 4: the district side (区局) — township packages loaded from USB.
--
-- A district office opens an mzdesk database (it may hold no township of its
-- own) and adds the monthly packages the townships bring.  Each package is a
-- row with its manifest; its figures and roster lines hang off it.  Nothing is
-- deleted: a package loaded again with --replace marks the old row inactive
-- (replaced_by the new one), so only one active package per township and month.

CREATE TABLE "district_package" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "township" VARCHAR(255) NOT NULL,
    "district" VARCHAR(255) NOT NULL,
    "month" VARCHAR(7) NOT NULL,
    "created_at" DATETIME NOT NULL,
    "loaded_at" DATETIME NOT NULL,
    "source" VARCHAR(255) NOT NULL,
    "encrypted" INTEGER NOT NULL,
    "manifest" TEXT NOT NULL,
    "active" INTEGER NOT NULL,
    "replaced_by_id" INTEGER,
    FOREIGN KEY ("replaced_by_id") REFERENCES "district_package" ("id")
);
CREATE UNIQUE INDEX "district_package_current" ON "district_package" ("township", "month")
    WHERE "active" = 1;
CREATE INDEX "district_package_month" ON "district_package" ("month");

CREATE TABLE "district_figure" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "package_id" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,
    "code" VARCHAR(255) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "households" INTEGER NOT NULL,
    "persons" INTEGER NOT NULL,
    "amount_month" INTEGER NOT NULL,
    "amount_year" INTEGER NOT NULL,
    "note" VARCHAR(255) NOT NULL,
    FOREIGN KEY ("package_id") REFERENCES "district_package" ("id")
);
CREATE UNIQUE INDEX "district_figure_package_code" ON "district_figure" ("package_id", "code");

CREATE TABLE "district_roster_line" (
    "id" INTEGER NOT NULL PRIMARY KEY,
    "package_id" INTEGER NOT NULL,
    "programme" VARCHAR(255) NOT NULL,
    "seq" INTEGER NOT NULL,
    "village" VARCHAR(255) NOT NULL,
    "name" VARCHAR(255) NOT NULL,
    "id_number" VARCHAR(255) NOT NULL,
    "covered_persons" INTEGER NOT NULL,
    "category" VARCHAR(255) NOT NULL,
    "amount" INTEGER NOT NULL,
    FOREIGN KEY ("package_id") REFERENCES "district_package" ("id")
);
CREATE INDEX "district_roster_line_package" ON "district_roster_line" ("package_id", "programme");
CREATE INDEX "district_roster_line_id_number" ON "district_roster_line" ("id_number");
