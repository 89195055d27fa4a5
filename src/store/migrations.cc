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
      {10, "alerts_and_silences", R"sql(
CREATE TABLE alerts (
  id          INTEGER PRIMARY KEY,
  key         TEXT NOT NULL,            -- dedup key scoped by source
  status      TEXT NOT NULL,            -- firing | acknowledged | resolved
  incident_id TEXT,                     -- NULL when not attached (silenced)
  service     TEXT NOT NULL,
  source      TEXT NOT NULL,
  severity    INTEGER NOT NULL,
  first_seen  INTEGER NOT NULL,
  acknowledged_at INTEGER,
  resolved_at INTEGER,
  join_kind   TEXT NOT NULL,
  join_reason TEXT NOT NULL,
  silence_id  TEXT,
  flapping    INTEGER NOT NULL DEFAULT 0,
  changes     TEXT NOT NULL DEFAULT '', -- recent state changes, Unix milliseconds, comma-separated
  doc         TEXT NOT NULL             -- labels, annotations, summary, links... (model::ToJson)
);
-- Repeats only touch this narrow table (a few dozen bytes a row): group commits write few pages.
CREATE TABLE alert_seen (
  alert_id  INTEGER PRIMARY KEY REFERENCES alerts(id) ON DELETE CASCADE,
  count     INTEGER NOT NULL,
  last_seen INTEGER NOT NULL
);
CREATE INDEX alerts_key ON alerts(key, id);
CREATE INDEX alerts_incident ON alerts(incident_id, id);
CREATE INDEX alerts_status ON alerts(status, id);
CREATE TABLE silences (
  id         TEXT PRIMARY KEY,          -- SIL-<number>
  number     INTEGER NOT NULL UNIQUE,
  starts_at  INTEGER NOT NULL,
  ends_at    INTEGER NOT NULL,
  expired_at INTEGER,
  doc        TEXT NOT NULL
);
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
      {30, "runbooks", R"sql(
CREATE TABLE runbook_runs (
  id          TEXT PRIMARY KEY,        -- "RUN-<seq>"
  seq         INTEGER NOT NULL UNIQUE,
  runbook     TEXT NOT NULL,
  incident_id TEXT NOT NULL DEFAULT '',
  service     TEXT NOT NULL DEFAULT '',
  state       TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  doc         TEXT NOT NULL            -- the whole run as JSON (app/runbooks.cc), redacted
);
CREATE INDEX runbook_runs_state ON runbook_runs(state, seq);
CREATE INDEX runbook_runs_incident ON runbook_runs(incident_id, seq);
CREATE TABLE approvals (
  id         TEXT PRIMARY KEY,         -- "APR-<seq>"
  seq        INTEGER NOT NULL UNIQUE,
  run_id     TEXT NOT NULL,
  state      TEXT NOT NULL,            -- pending | approved | rejected | expired
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  doc        TEXT NOT NULL
);
CREATE INDEX approvals_state ON approvals(state, seq);
CREATE TABLE circuit_breakers (
  service TEXT PRIMARY KEY,
  state   TEXT NOT NULL,               -- closed | open
  doc     TEXT NOT NULL                -- recent failures, trip and reset details
);
)sql"},
      {40, "log_patterns", R"sql(
CREATE TABLE log_families (
  id      INTEGER PRIMARY KEY,
  service TEXT NOT NULL,
  doc     TEXT NOT NULL,               -- the miner's family document (logs::Miner)
  active  INTEGER NOT NULL DEFAULT 1   -- 0 once evicted from memory
);
CREATE INDEX log_families_service ON log_families(service, active);
CREATE TABLE log_templates (
  id         INTEGER PRIMARY KEY,
  service    TEXT NOT NULL,
  family_id  INTEGER NOT NULL,
  text       TEXT NOT NULL,
  alias_of   INTEGER,                  -- merged into that template (counts belong to it)
  count      INTEGER NOT NULL,
  errors     INTEGER NOT NULL,         -- error-level lines
  first_seen INTEGER NOT NULL,         -- Unix ms
  last_seen  INTEGER NOT NULL,
  doc        TEXT NOT NULL,            -- the miner's template document
  active     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX log_templates_service ON log_templates(service, last_seen);
CREATE INDEX log_templates_alias ON log_templates(alias_of) WHERE alias_of IS NOT NULL;
CREATE TABLE log_counts (              -- lines per template and minute
  template_id INTEGER NOT NULL,
  minute      INTEGER NOT NULL,        -- Unix minutes
  count       INTEGER NOT NULL,
  errors      INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (template_id, minute)
) WITHOUT ROWID;
CREATE INDEX log_counts_minute ON log_counts(minute);
CREATE TABLE log_exemplars (           -- a few redacted lines per template
  id          INTEGER PRIMARY KEY,
  template_id INTEGER NOT NULL,
  time        INTEGER NOT NULL,
  level       TEXT NOT NULL DEFAULT '',
  line        TEXT NOT NULL,
  labels      TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX log_exemplars_template ON log_exemplars(template_id, id);
CREATE TABLE log_incident_marks (      -- patterns already reported on an incident's timeline
  incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  template_id INTEGER NOT NULL,
  kind        TEXT NOT NULL,           -- new | surge
  time        INTEGER NOT NULL,
  PRIMARY KEY (incident_id, template_id)
) WITHOUT ROWID;
)sql"},
      {60, "reports", R"sql(
CREATE TABLE action_items (
  id          INTEGER PRIMARY KEY,
  incident_id TEXT NOT NULL,
  owner       TEXT NOT NULL DEFAULT '',
  status      TEXT NOT NULL,
  due_at      INTEGER,
  updated_at  INTEGER NOT NULL,
  doc         TEXT NOT NULL            -- the whole item as JSON (report::ToJson)
);
CREATE INDEX action_items_incident ON action_items(incident_id);
CREATE INDEX action_items_open_due ON action_items(status, due_at);
CREATE TABLE postmortems (
  incident_id TEXT PRIMARY KEY,
  doc         TEXT NOT NULL,           -- editable postmortem fields as JSON (report::Postmortem)
  updated_at  INTEGER NOT NULL
);
)sql"},
      {70, "metrics_and_analyses", R"sql(
CREATE TABLE metric_series (
  id      INTEGER PRIMARY KEY,
  service TEXT NOT NULL,
  metric  TEXT NOT NULL,
  labels  TEXT NOT NULL DEFAULT '{}',  -- canonical JSON object
  UNIQUE (service, metric, labels)
);
CREATE TABLE metric_samples (
  series_id INTEGER NOT NULL,
  t         INTEGER NOT NULL,          -- Unix ms
  v         REAL NOT NULL,
  PRIMARY KEY (series_id, t)
) WITHOUT ROWID;
CREATE INDEX metric_samples_t ON metric_samples(t);
CREATE TABLE metric_rollups (
  series_id INTEGER NOT NULL,
  t         INTEGER NOT NULL,          -- bucket start, Unix ms
  count     INTEGER NOT NULL,
  sum       REAL NOT NULL,
  min       REAL NOT NULL,
  max       REAL NOT NULL,
  PRIMARY KEY (series_id, t)
) WITHOUT ROWID;
CREATE INDEX metric_rollups_t ON metric_rollups(t);
CREATE TABLE analyses (
  id          INTEGER PRIMARY KEY,
  incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  created_at  INTEGER NOT NULL,
  trigger     TEXT NOT NULL,
  doc         TEXT NOT NULL             -- the analysis as JSON
);
CREATE INDEX analyses_incident ON analyses(incident_id, id);
)sql"},
  };
  return kMigrations;
}

}  // namespace firebreak::store
