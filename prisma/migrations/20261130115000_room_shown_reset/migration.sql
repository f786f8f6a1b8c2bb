-- What a room was last shown (IncidentRoom."topicShown", "summaryShown") is reset by the database
-- itself whenever what the room may be shown changes, whichever code made the change: during a
-- rolling upgrade, replicas running code from before these records change incidents and set topics
-- without touching them, and a record of "withheld" kept across their lowering of the TLP would
-- let a later raise to RED skip the room (it would keep the GREEN topic). The version is raised
-- too: a refresh in flight records with compare-and-set on it, so it cannot write a record older
-- than the reset.

-- An incident's TLP or restriction changed: nothing recorded of its rooms holds any more.
CREATE FUNCTION "tocsin_incident_rooms_shown_reset"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "IncidentRoom"
     SET "topicShown" = NULL, "summaryShown" = NULL, "shownVersion" = "shownVersion" + 1
   WHERE "incidentId" = NEW."id";
  RETURN NULL;
END
$$;

CREATE TRIGGER "Incident_rooms_shown_reset"
AFTER UPDATE ON "Incident"
FOR EACH ROW
WHEN (OLD."tlp" IS DISTINCT FROM NEW."tlp" OR OLD."restricted" IS DISTINCT FROM NEW."restricted")
EXECUTE FUNCTION "tocsin_incident_rooms_shown_reset"();

-- A room bound to another incident, or given another pinned summary, by a statement that does not
-- raise the version itself (code from before these records): what it was shown says nothing of
-- what it shows now. Statements of the current code raise the version and set the record they
-- mean, which is kept.
CREATE FUNCTION "tocsin_room_shown_reset"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."shownVersion" = OLD."shownVersion" THEN
    NEW."topicShown" := NULL;
    NEW."summaryShown" := NULL;
    NEW."shownVersion" := OLD."shownVersion" + 1;
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER "IncidentRoom_shown_reset"
BEFORE UPDATE ON "IncidentRoom"
FOR EACH ROW
WHEN (OLD."incidentId" IS DISTINCT FROM NEW."incidentId"
      OR OLD."summaryMessageId" IS DISTINCT FROM NEW."summaryMessageId")
EXECUTE FUNCTION "tocsin_room_shown_reset"();
