#include "store/migrations.h"

namespace firebreak::store {

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "foundation", R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE incidents (
  id         TEXT PRIMARY KEY,
  number     INTEGER NOT NULL UNIQUE,
  state      TEXT NOT NULL,
  severity   INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  doc        TEXT NOT NULL            -- the whole incident as JSON (model::ToJson)
);
CREATE INDEX incidents_state ON incidents(state, number);
CREATE TABLE incident_services (
  incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  service     TEXT NOT NULL,
  PRIMARY KEY (incident_id, service)
);
CREATE INDEX incident_services_service ON incident_services(service);
CREATE TABLE timeline (
  id          INTEGER PRIMARY KEY,
  incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  time        INTEGER NOT NULL,
  kind        TEXT NOT NULL,
  actor       TEXT NOT NULL,
  text        TEXT NOT NULL,
  data        TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX timeline_incident ON timeline(incident_id, id);
CREATE TABLE audit (
  seq       INTEGER PRIMARY KEY,
  time      INTEGER NOT NULL,
  actor     TEXT NOT NULL,
  action    TEXT NOT NULL,
  target    TEXT NOT NULL,
  details   TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL
);
CREATE TABLE tokens (
  id         TEXT PRIMARY KEY,
  hash       TEXT NOT NULL,
  person     TEXT NOT NULL,
  name       TEXT NOT NULL,
  scopes     INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE TABLE timers (
  id         INTEGER PRIMARY KEY,
  kind       TEXT NOT NULL,
  key        TEXT NOT NULL,
  due_at     INTEGER NOT NULL,
  payload    TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  UNIQUE (kind, key)
);
)sql"},
      {2, "change_events", R"sql(
CREATE TABLE change_events (
  id          INTEGER PRIMARY KEY,
  service     TEXT NOT NULL,
  kind        TEXT NOT NULL,
  time        INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  dedup_key   TEXT,
  doc         TEXT NOT NULL            -- the whole event as JSON (model::ToJson)
);
CREATE INDEX change_events_time ON change_events(time);
CREATE INDEX change_events_service ON change_events(service, time);
CREATE UNIQUE INDEX change_events_dedup ON change_events(dedup_key) WHERE dedup_key IS NOT NULL;
)sql"},
      {20, "paging", R"sql(
CREATE TABLE escalations (
  incident_id TEXT PRIMARY KEY REFERENCES incidents(id) ON DELETE CASCADE,
  status      TEXT NOT NULL,            -- active | acknowledged | stopped
  policy      TEXT NOT NULL,
  next_due    INTEGER,                  -- next step (Unix ms), NULL when none
  updated_at  INTEGER NOT NULL,
  doc         TEXT NOT NULL             -- escalate::ToJson(State): policy snapshot, progress, pages
);
CREATE INDEX escalations_due ON escalations(next_due) WHERE next_due IS NOT NULL;
CREATE TABLE outbox (
  id              INTEGER PRIMARY KEY,
  idempotency_key TEXT NOT NULL UNIQUE,
  incident_id     TEXT NOT NULL,
  kind            TEXT NOT NULL,        -- page | broadcast
  event           TEXT NOT NULL,
  channel         TEXT NOT NULL,
  channel_type    TEXT NOT NULL,
  destination     TEXT NOT NULL,
  person          TEXT NOT NULL DEFAULT '',
  contact_index   INTEGER NOT NULL DEFAULT -1,
  page_n          INTEGER NOT NULL DEFAULT 0,
  context         TEXT NOT NULL,        -- rendered at delivery
  state           TEXT NOT NULL,        -- pending | delivered | dead | cancelled
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  event_at        INTEGER NOT NULL,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  delivered_at    INTEGER,
  last_error      TEXT NOT NULL DEFAULT '',
  receipt         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_pending ON outbox(next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX outbox_incident ON outbox(incident_id, id);
CREATE TABLE action_links (
  nonce       TEXT PRIMARY KEY,
  incident_id TEXT NOT NULL,
  action      TEXT NOT NULL,
  person      TEXT NOT NULL,
  used_at     INTEGER NOT NULL,
  remote      TEXT NOT NULL DEFAULT ''
);
)sql"},
  };
  return kMigrations;
}

}  // namespace firebreak::store
