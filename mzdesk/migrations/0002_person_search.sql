-- Schema version 2: a trigram full-text index over the searchable columns of
-- a person, so that any fragment of a name, pinyin or ID number is found
-- without scanning the table.
CREATE VIRTUAL TABLE "person_fts" USING fts5(
    name, pinyin, initials, id_number,
    content='person', content_rowid='id', tokenize='trigram'
);

INSERT INTO "person_fts" (rowid, name, pinyin, initials, id_number)
    SELECT id, name, pinyin, initials, id_number FROM "person";

CREATE TRIGGER "person_fts_ai" AFTER INSERT ON "person" BEGIN
    INSERT INTO "person_fts" (rowid, name, pinyin, initials, id_number)
    VALUES (new.id, new.name, new.pinyin, new.initials, new.id_number);
END;

CREATE TRIGGER "person_fts_ad" AFTER DELETE ON "person" BEGIN
    INSERT INTO "person_fts" ("person_fts", rowid, name, pinyin, initials, id_number)
    VALUES ('delete', old.id, old.name, old.pinyin, old.initials, old.id_number);
END;

CREATE TRIGGER "person_fts_au" AFTER UPDATE OF name, pinyin, initials, id_number ON "person" BEGIN
    INSERT INTO "person_fts" ("person_fts", rowid, name, pinyin, initials, id_number)
    VALUES ('delete', old.id, old.name, old.pinyin, old.initials, old.id_number);
    INSERT INTO "person_fts" (rowid, name, pinyin, initials, id_number)
    VALUES (new.id, new.name, new.pinyin, new.initials, new.id_number);
END;
