// firebreak oncall now|shifts|handoffs|roster|people|person|resilience|override, and the paging commands of `firebreak incident`: escalate, flag, pages.
#include <algorithm>
#include <cstdio>


#include "cli/cli.h"
#include "core/strings.h"

namespace firebreak::cli {

namespace {

namespace json = boost::json;


std::string S(const json::value& v, std::string_view k) {
  if (!v.is_object()) return "";
  const auto& o = v.get_object();
  auto it = o.find(k);
  if (it == o.end()) return "";
  if (it->value().is_string()) return std::string(it->value().get_string());
  if (it->value().is_int64()) return std::to_string(it->value().get_int64());
  if (it->value().is_bool()) return it->value().get_bool() ? "true" : "false";
  return "";
}

struct Opts {
  ClientOptions client;
  std::string schedule, service, severity, at, from, to, id, reason, flag, team, person, replaces, duration;
  int days = 7;
  bool all = false;
};

void PrintSchedules(const json::value& v) {
  Table t({"SCHEDULE", "ON CALL", "UNTIL", "LAYER"});
  for (const auto& s : v.at("schedules").as_array()) {
    const auto& on = s.at("on_call");
    if (on.is_null()) {
      t.Add({S(s, "id"), "(nobody)", "", ""});
      continue;
    }
    std::string who = S(on, "person") + " (" + S(on, "name") + ")";
    std::string layer = S(on, "layer") + (S(on, "override") == "true" ? " for " + S(on, "replaces") : "");
    t.Add({S(s, "id"), core::Truncate(who, 40), S(on, "end"), layer});
  }
  t.Print();
}

void PrintService(const json::value& v) {
  const auto& pol = v.at("policy");
  std::printf("%s %s at %s: ", S(v, "service").c_str(), S(v, "severity").c_str(), S(v, "at").c_str());
  if (pol.is_null()) {
    std::printf("no escalation policy applies; nobody would be paged\n");
    return;
  }
  std::printf("policy %s (%s)\n", S(pol, "id").c_str(), S(pol, "name").c_str());
  if (!S(v, "waits_until").empty())
    std::printf("%s is low urgency under this policy: outside support hours '%s', nobody is paged until %s\n",
                S(v, "severity").c_str(), S(pol, "support_hours").c_str(), S(v, "waits_until").c_str());
  std::printf("%-5s %-7s %s\n", "TIER", "AFTER", "PEOPLE");
  for (const auto& t : v.at("tiers").as_array()) {
    std::vector<std::string> people;
    for (const auto& p : t.at("people").as_array()) {
      // How the page would reach them: "by slack, sms after 5m".
      std::vector<std::string> steps;
      if (const auto* reach = p.as_object().if_contains("reach"); reach && reach->is_array())
        for (const auto& st : reach->as_array())
          steps.push_back(S(st, "contact_type") + (S(st, "after") == "0s" ? "" : " after " + S(st, "after")));
      people.push_back(S(p, "person") + " (" + S(p, "via") + ")" + (steps.empty() ? "" : " by " + core::Join(steps, ", ")));
    }
    for (const auto& n : t.at("notes").as_array())
      if (n.is_string()) people.push_back("[" + std::string(n.get_string()) + "]");
    std::printf("%-5s %-7s %s\n", S(t, "tier").c_str(), S(t, "after").c_str(),
                people.empty() ? "(nobody)" : core::Join(people, ", ").c_str());
  }
}

void PrintShifts(const json::value& v) {
  std::printf("%s (%s) %s .. %s\n", S(v, "schedule").c_str(), S(v, "timezone").c_str(), S(v, "from").c_str(),
              S(v, "to").c_str());
  Table t({"START", "END", "PERSON", "LAYER"});
  for (const auto& s : v.at("shifts").as_array())
    t.Add({S(s, "start"), S(s, "end"), S(s, "person"),
           S(s, "layer") + (S(s, "override") == "true" ? " (replaces " + S(s, "replaces") + ")" : "")});
  t.Print();
  for (const auto& g : v.at("gaps").as_array())
    std::printf("gap: nobody on call %s .. %s\n", S(g, "start").c_str(), S(g, "end").c_str());
}

std::string Who(const json::value& v, std::string_view k) {
  const auto* p = v.is_object() ? v.get_object().if_contains(k) : nullptr;
  if (!p || !p->is_object()) return "(nobody)";
  return S(*p, "person");
}

void PrintHandoffs(const json::value& v) {
  const std::string notice = S(v, "notice");
  if (notice.empty()) std::printf("Handoff notices are off (settings.paging.handoff_notice).\n");
  else std::printf("Both people are told %s each handoff.\n", notice == "0s" ? "at the time of" : (notice + " ahead of").c_str());
  std::printf("%s .. %s\n", S(v, "from").c_str(), S(v, "to").c_str());
  Table t({"AT", "SCHEDULE", "FROM", "TO", "UNTIL", "NOTICE AT"});
  for (const auto& h : v.at("handoffs").as_array())
    t.Add({S(h, "at"), S(h, "schedule"), Who(h, "from"), Who(h, "to") + (S(h, "override") == "true" ? " (override)" : ""),
           S(h, "until").empty() ? "-" : S(h, "until"), S(h, "notice_at").empty() ? "-" : S(h, "notice_at")});
  if (v.at("handoffs").as_array().empty()) std::printf("(no handoff in this range)\n");
  t.Print();
  const auto& notices = v.at("notices").as_array();
  if (notices.empty()) return;
  std::printf("\nNotices sent (newest first):\n");
  Table n({"QUEUED", "EVENT", "PERSON", "SCHEDULE", "HANDOFF AT", "VIA", "STATE"});
  for (const auto& x : notices)
    n.Add({S(x, "created_at"), S(x, "event"), S(x, "person"), S(x, "schedule"), S(x, "at"), S(x, "channel_type"),
           S(x, "state") + (S(x, "last_error").empty() ? "" : ": " + core::Truncate(S(x, "last_error"), 40))});
  n.Print();
}

std::string Ids(const json::value& v, std::string_view k) {
  std::vector<std::string> out;
  if (const auto* a = v.as_object().if_contains(k); a && a->is_array()) {
    for (const auto& x : a->get_array()) {
      if (x.is_string()) out.emplace_back(x.get_string());
      else if (x.is_object()) out.push_back(S(x, "schedule"));
    }
  }
  return core::Join(out, ",");
}

void PrintRoster(const json::value& v) {
  const auto& t = v.at("team");
  if (!t.is_null()) std::printf("team %s (%s)\n", S(t, "id").c_str(), S(t, "name").c_str());
  std::printf("%s .. %s\n", S(v, "from").c_str(), S(v, "to").c_str());
  for (const auto& s : v.at("schedules").as_array()) {
    double total = static_cast<double>(s.at("total_seconds").to_number<int64_t>());
    double covered = static_cast<double>(s.at("covered_seconds").to_number<int64_t>());
    std::printf("\nschedule %s (%s): %.1f%% covered, %zu shifts, %zu gaps\n", S(s, "id").c_str(),
                S(s, "timezone").c_str(), total > 0 ? 100.0 * covered / total : 0.0, s.at("shifts").as_array().size(),
                s.at("gaps").as_array().size());
    Table shifts({}, "  ");
    for (const auto& sh : s.at("shifts").as_array())
      shifts.Add({S(sh, "start"), S(sh, "end"), S(sh, "person") + (S(sh, "override") == "true" ? " (override)" : "")});
    shifts.Print();
    for (const auto& g : s.at("gaps").as_array())
      std::printf("  gap: nobody on call %s .. %s\n", S(g, "start").c_str(), S(g, "end").c_str());
  }
  std::printf("\n");
  Table people({"PERSON", "NAME", "HOURS", "SHIFTS", "SCHEDULES"});
  for (const auto& p : v.at("people").as_array()) {
    char hours[32];
    std::snprintf(hours, sizeof hours, "%.1f", static_cast<double>(p.at("on_call_seconds").to_number<int64_t>()) / 3600.0);
    people.Add({S(p, "person"), core::Truncate(S(p, "name"), 24), hours, S(p, "shifts"), Ids(p, "schedules")});
  }
  people.Print();
}

void PrintPeople(const json::value& v) {
  Table t({"PERSON", "NAME", "TITLE", "TEAMS", "ROTATIONS", "ON CALL NOW"});
  for (const auto& p : v.at("people").as_array())
    t.Add({S(p, "id"), core::Truncate(S(p, "name"), 24), core::Truncate(S(p, "title"), 20), Ids(p, "teams"),
           Ids(p, "schedules"), Ids(p, "on_call")});
  t.Print();
}

void PrintPerson(const json::value& v) {
  std::printf("%s (%s)%s%s\n", S(v, "id").c_str(), S(v, "name").c_str(),
              S(v, "title").empty() ? "" : (", " + S(v, "title")).c_str(),
              S(v, "timezone").empty() ? "" : (", " + S(v, "timezone")).c_str());
  std::printf("teams: %s   rotations: %s\n", Ids(v, "teams").c_str(), Ids(v, "schedules").c_str());
  // How a page reaches them: their notification rules, else the severity's contact types.
  if (const auto* rules = v.as_object().if_contains("notification_rules"); rules && rules->is_array()) {
    std::vector<std::string> steps;
    for (const auto& r : rules->as_array()) {
      std::string step = S(r, "contact_type") + (S(r, "after") == "0s" ? " at once" : " after " + S(r, "after"));
      if (!r.at("severities").as_array().empty()) step += " (" + Ids(r, "severities") + ")";
      steps.push_back(step);
    }
    std::printf("pages reach them by: %s\n", steps.empty() ? "the contact types of each severity (settings.paging.contact_types)"
                                                  : (core::Join(steps, ", ") + " unless acknowledged first").c_str());
  }
  if (const auto* h = v.as_object().if_contains("handoff_notices"); h && h->is_bool() && !h->as_bool())
    std::printf("handoff notices: off\n");
  const auto& now = v.at("on_call").as_array();
  if (now.empty()) std::printf("on call now: no\n");
  for (const auto& s : now) std::printf("on call now: %s until %s\n", S(s, "schedule").c_str(), S(s, "end").c_str());
  char hours[32];
  std::snprintf(hours, sizeof hours, "%.1f", static_cast<double>(v.at("on_call_seconds").to_number<int64_t>()) / 3600.0);
  std::printf("\nshifts %s .. %s (%s hours):\n", S(v, "from").c_str(), S(v, "to").c_str(), hours);
  Table shifts({}, "  ");
  for (const auto& sh : v.at("shifts").as_array())
    shifts.Add({S(sh, "start"), S(sh, "end"), S(sh, "schedule"),
                S(sh, "override") == "true" ? "override" + (S(sh, "replaces").empty() ? "" : " for " + S(sh, "replaces")) : S(sh, "layer")});
  if (v.at("shifts").as_array().empty()) std::printf("  (none)\n");
  shifts.Print();
  std::printf("\npaged by:\n");
  Table esc({}, "  ");
  for (const auto& e : v.at("escalation").as_array())
    esc.Add({S(e, "policy"), "tier " + S(e, "tier"), "after " + S(e, "after"), "via " + S(e, "via"),
             core::Truncate(Ids(e, "services"), 60)});
  if (v.at("escalation").as_array().empty()) std::printf("  (no escalation policy reaches them)\n");
  esc.Print();
  for (const auto& i : v.at("incidents").as_array())
    std::printf("holds %s in %s [%s %s] %s\n", S(i, "role").c_str(), S(i, "id").c_str(), S(i, "severity").c_str(),
                S(i, "state").c_str(), core::Truncate(S(i, "title"), 60).c_str());
  for (const auto& i : v.at("pending_pages").as_array())
    std::printf("unacknowledged page: %s [%s] %s\n", S(i, "id").c_str(), S(i, "severity").c_str(),
                core::Truncate(S(i, "title"), 60).c_str());
  if (const auto* asked = v.as_object().if_contains("responder_requests"); asked && asked->is_array())
    for (const auto& i : asked->as_array())
      std::printf("asked to respond: %s [%s] %s (by %s: %s)\n", S(i, "id").c_str(), S(i, "severity").c_str(),
                  core::Truncate(S(i, "title"), 60).c_str(), S(i.at("request"), "requested_by").c_str(),
                  core::Truncate(S(i.at("request"), "message"), 80).c_str());
  for (const auto& o : v.at("overrides").as_array())
    std::printf("override %s: %s on %s%s %s .. %s (%s)\n", S(o, "id").c_str(), S(o, "person").c_str(),
                S(o, "schedule").c_str(), S(o, "replaces").empty() ? "" : (" for " + S(o, "replaces")).c_str(),
                S(o, "start").c_str(), S(o, "end").c_str(), S(o, "state").c_str());
}

void PrintPages(const json::value& esc, const json::value& notes) {
  const auto& e = esc.at("escalation");
  if (e.is_null()) {
    std::printf("No escalation (no policy applied to this incident).\n");
  } else {
    std::printf("Escalation: policy %s, %s", S(e.at("policy"), "id").c_str(), S(e, "status").c_str());
    if (!S(e, "next_due").empty()) std::printf(", next step %s", S(e, "next_due").c_str());
    std::printf(", %s page(s)\n", S(e, "pages").c_str());
    if (!S(e, "held_until").empty())
      std::printf("Waiting for support hours until %s (%s): nobody is paged before then\n", S(e, "held_until").c_str(),
                  S(e, "hold_reason").c_str());
    if (const auto* again = esc.as_object().if_contains("pages_again_at"); again && again->is_object())
      std::printf("Pages again at %s (%s) unless mitigated or resolved\n", S(*again, "at").c_str(),
                  S(*again, "reason") == "snooze" ? "snoozed" : "acknowledgement timeout");
    for (const auto& h : e.at("history").as_array()) {
      std::vector<std::string> ppl;
      for (const auto& p : h.at("people").as_array())
        if (p.is_string()) ppl.emplace_back(p.get_string());
      // Responders asked outside the tiers (add-responders) are tier 0 in the record.
      std::string step = S(h, "trigger") == "responders" || S(h, "tier") == "0" ? "responders" : "tier " + S(h, "tier");
      std::printf("  #%-3s %-10s %-22s %-20s %s%s\n", S(h, "n").c_str(), step.c_str(), S(h, "time").c_str(),
                  core::Truncate(core::Join(ppl, ","), 20).c_str(), S(h, "reason").c_str(),
                  S(h, "late") == "true" ? " (LATE)" : "");
    }
  }
  std::printf("\n");
  Table t({"ID", "KEY", "CHANNEL", "PERSON", "STATE", "TRY", "RESULT"});
  for (const auto& n : notes.at("notifications").as_array()) {
    const bool planned = S(n, "planned") == "true";
    std::string result = planned                          ? "due " + S(n, "planned_for") + " unless acknowledged first"
                         : S(n, "state") == "delivered" ? S(n, "receipt")
                                                         : S(n, "last_error");
    t.Add({S(n, "id"), core::Truncate(S(n, "idempotency_key"), 30), S(n, "channel"), S(n, "person"),
           planned ? "planned" : S(n, "state"), S(n, "attempts"), core::Truncate(result, 80)});
  }
  t.Print();
}

void PrintResilience(const json::value& v) {
  std::printf("Responder resilience %s .. %s\n", S(v, "from").c_str(), S(v, "to").c_str());
  const auto& gaps = v.at("roster_n1").as_array();
  std::printf("\nRoster N-1 (if one person is absent): %s\n",
              gaps.empty() ? "every shift stays covered" : "shifts left uncovered");
  for (const auto& g : gaps) {
    std::printf("  without %-12s schedule %-16s %6.1f h uncovered\n", S(g, "absent").c_str(), S(g, "schedule").c_str(),
                g.at("uncovered_hours").to_number<double>());
    for (const auto& i : g.at("uncovered").as_array())
      std::printf("      %s .. %s\n", S(i, "start").c_str(), S(i, "end").c_str());
  }
  std::printf("\nBus factor of critical services:\n  %-18s %-5s %-4s %s\n", "SERVICE", "TIER", "BUS", "RESPONDERS");
  for (const auto& b : v.at("bus_factor").as_array()) {
    std::vector<std::string> who;
    for (const auto& p : b.at("responders").as_array())
      if (p.is_string()) who.emplace_back(p.get_string());
    std::printf("  %-18s %-5s %-4s %s%s\n", S(b, "service").c_str(), S(b, "tier").c_str(), S(b, "bus_factor").c_str(),
                core::Join(who, ",").c_str(), who.size() <= 1 ? "   <- single point of failure" : "");
  }
  const auto& fat = v.at("fatigue").as_array();
  std::printf("\nFatigue rules: %s\n", fat.empty() ? "no violations" : "violations");
  for (const auto& f : fat)
    std::printf("  %-12s %-24s %s\n", S(f, "person").c_str(), S(f, "rule").c_str(), S(f, "detail").c_str());
  const auto& cl = v.at("cognitive_load").as_array();
  std::printf("\nCognitive load (limit %s pending): %s\n", S(v.at("rules"), "max_pending").c_str(),
              cl.empty() ? "nobody over the limit" : "over the limit");
  for (const auto& w : cl)
    std::printf("  %-12s %s held: %s roles, %s unacknowledged pages, %s approvals\n", S(w, "person").c_str(),
                S(w, "total").c_str(), S(w, "roles").c_str(), S(w, "pages").c_str(), S(w, "approvals").c_str());
}

// Who an override without `replaces` (it covers whoever is on call) stands in for: the people its
// stretch of the final schedule replaces, as `oncall now` and `oncall shifts` show them.
std::string Replaced(const ClientOptions& c, const json::value& o) {
  if (S(o, "state") == "cancelled" || S(o, "applied") == "false") return "";
  auto r = CallServer(c, "GET", "/api/v1/oncall/shifts?schedule=" + Enc(S(o, "schedule")) + "&from=" +
                                    Enc(S(o, "start")) + "&to=" + Enc(S(o, "end")));
  if (!r || !r->is_object() || !r->get_object().contains("shifts")) return "";
  std::vector<std::string> who;
  for (const auto& sh : r->at("shifts").as_array())
    if (S(sh, "override") == "true" && S(sh, "person") == S(o, "person") && !S(sh, "replaces").empty() &&
        std::find(who.begin(), who.end(), S(sh, "replaces")) == who.end())
      who.push_back(S(sh, "replaces"));
  return core::Join(who, ",");
}

void PrintOverrides(const ClientOptions& c, const json::value& v) {
  Table t({"ID", "SCHEDULE", "PERSON", "REPLACES", "START", "END", "STATE", "REASON"});
  for (const auto& o : v.at("overrides").as_array()) {
    std::string state = S(o, "state");
    if (S(o, "applied") == "false" && state != "cancelled") state += " (not applied: " + S(o, "problem") + ")";
    std::string replaces = S(o, "replaces");
    if (replaces.empty()) replaces = Replaced(c, o);
    t.Add({S(o, "id"), S(o, "schedule"), S(o, "person"), replaces.empty() ? "-" : replaces, S(o, "start"), S(o, "end"),
           state, core::Truncate(S(o, "reason"), 40)});
  }
  t.Print();
}

void PrintOverride(const json::value& o) {
  std::printf("%s: %s is on call in %s%s from %s to %s (%s)\n", S(o, "id").c_str(), S(o, "person").c_str(),
              S(o, "schedule").c_str(), S(o, "replaces").empty() ? "" : (" for " + S(o, "replaces")).c_str(),
              S(o, "start").c_str(), S(o, "end").c_str(), S(o, "state").c_str());
}

int Show(const Result<json::value>& r, const Opts& o, void (*print)(const json::value&)) {
  if (!r) return PrintError(r.error());
  if (o.client.json) PrintJson(*r);
  else print(*r);
  return 0;
}

}  // namespace

void AddOncallCommands(CLI::App& app, Runner& run) {
  auto* oc = app.add_subcommand("oncall", "Who is on call (schedules, services) and shifts");
  oc->require_subcommand(1);
  {
    auto o = std::make_shared<Opts>();
    auto* c = oc->add_subcommand("now", "Who is on call now (or --at a time): every schedule, one, or a service");
    AddClientOptions(c, o->client);
    c->add_option("--schedule", o->schedule, "One schedule");
    c->add_option("--service", o->service, "A service: who its escalation policy would page, tier by tier");
    c->add_option("--severity", o->severity, "Severity for --service (selects per-severity policies)")
        ->default_val("SEV1");
    c->add_option("--at", o->at, "RFC 3339 time (default: now)");
    c->callback([o, &run] {
      run = [o] {
        std::string q = "?";
        if (!o->schedule.empty()) q += "schedule=" + Enc(o->schedule) + "&";
        if (!o->service.empty()) q += "service=" + Enc(o->service) + "&severity=" + Enc(o->severity) + "&";
        if (!o->at.empty()) q += "at=" + Enc(o->at) + "&";
        q.pop_back();
        auto r = CallServer(o->client, "GET", "/api/v1/oncall" + q);
        return Show(r, *o, o->service.empty() ? PrintSchedules : PrintService);
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = oc->add_subcommand("shifts", "The final schedule's shifts over a range");
    AddClientOptions(c, o->client);
    c->add_option("--schedule", o->schedule, "Schedule id")->required();
    c->add_option("--from", o->from, "RFC 3339 start (default: now)");
    c->add_option("--to", o->to, "RFC 3339 end (default: --days after the start)");
    c->add_option("--days", o->days, "Length when --to is not given")->capture_default_str()->check(CLI::Range(1, 93));
    c->callback([o, &run] {
      run = [o] {
        std::string q = "?schedule=" + Enc(o->schedule);
        if (!o->from.empty()) q += "&from=" + Enc(o->from);
        if (!o->to.empty()) q += "&to=" + Enc(o->to);
        else q += "&days=" + std::to_string(o->days);
        auto r = CallServer(o->client, "GET", "/api/v1/oncall/shifts" + q);
        return Show(r, *o, PrintShifts);
      };
    });
  }

  {
    auto o = std::make_shared<Opts>();
    auto* c = oc->add_subcommand("roster", "A schedule's or a team's shifts over the next days, with per-person totals");
    AddClientOptions(c, o->client);
    c->add_option("--schedule", o->schedule, "Schedule id");
    c->add_option("--team", o->team, "Team id (the schedules its policies and its services' policies page)");
    c->add_option("--from", o->from, "RFC 3339 start (default: now)");
    c->add_option("--to", o->to, "RFC 3339 end (default: --days after the start)");
    c->add_option("--days", o->days, "Length when --to is not given")->capture_default_str()->check(CLI::Range(1, 93));
    c->callback([o, &run] {
      run = [o] {
        std::string q = o->team.empty() ? "?schedule=" + Enc(o->schedule) : "?team=" + Enc(o->team);
        if (!o->team.empty() && !o->schedule.empty()) q += "&schedule=" + Enc(o->schedule);
        if (!o->from.empty()) q += "&from=" + Enc(o->from);
        if (!o->to.empty()) q += "&to=" + Enc(o->to);
        else q += "&days=" + std::to_string(o->days);
        auto r = CallServer(o->client, "GET", "/api/v1/oncall/roster" + q);
        return Show(r, *o, PrintRoster);
      };
    });
  }

  {
    auto o = std::make_shared<Opts>();
    auto* c = oc->add_subcommand("handoffs", "Coming shift handoffs (who hands over to whom, when they are told) and the notices sent");
    AddClientOptions(c, o->client);
    c->add_option("--schedule", o->schedule, "One schedule (default: every schedule)");
    c->add_option("--from", o->from, "RFC 3339 start (default: now)");
    c->add_option("--to", o->to, "RFC 3339 end (default: --days after the start)");
    c->add_option("--days", o->days, "Length when --to is not given")->capture_default_str()->check(CLI::Range(1, 93));
    c->callback([o, &run] {
      run = [o] {
        std::string q = "?days=" + std::to_string(o->days);
        if (!o->to.empty()) q = "?to=" + Enc(o->to);
        if (!o->schedule.empty()) q += "&schedule=" + Enc(o->schedule);
        if (!o->from.empty()) q += "&from=" + Enc(o->from);
        auto r = CallServer(o->client, "GET", "/api/v1/oncall/handoffs" + q);
        return Show(r, *o, PrintHandoffs);
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = oc->add_subcommand("people", "Who can be paged: teams, rotations, where each is on call now");
    AddClientOptions(c, o->client);
    c->add_option("--team", o->team, "Only this team's lead and members");
    c->callback([o, &run] {
      run = [o] {
        auto r = CallServer(o->client, "GET", "/api/v1/people" + (o->team.empty() ? "" : "?team=" + Enc(o->team)));
        return Show(r, *o, PrintPeople);
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = oc->add_subcommand("person", "One person's shifts, how they can be paged, their roles and pages");
    AddClientOptions(c, o->client);
    c->add_option("person", o->person, "Person id, or me (the token's person)")->required();
    c->add_option("--from", o->from, "RFC 3339 start (default: now)");
    c->add_option("--to", o->to, "RFC 3339 end (default: --days after the start)");
    c->add_option("--days", o->days, "Length when --to is not given")->capture_default_str()->check(CLI::Range(1, 93));
    c->callback([o, &run] {
      run = [o] {
        std::string q = "?";
        if (!o->from.empty()) q += "from=" + Enc(o->from) + "&";
        q += o->to.empty() ? "days=" + std::to_string(o->days) : "to=" + Enc(o->to);
        auto r = CallServer(o->client, "GET", "/api/v1/people/" + Enc(o->person) + q);
        return Show(r, *o, PrintPerson);
      };
    });
  }

  {
    auto o = std::make_shared<Opts>();
    o->days = 14;
    auto* c = oc->add_subcommand("resilience",
                                 "Roster N-1 coverage, bus factor, fatigue violations and cognitive load");
    AddClientOptions(c, o->client);
    c->add_option("--from", o->from, "RFC 3339 start (default: now)");
    c->add_option("--days", o->days, "Window length")->capture_default_str()->check(CLI::Range(1, 93));
    c->callback([o, &run] {
      run = [o] {
        std::string q = "?days=" + std::to_string(o->days);
        if (!o->from.empty()) q += "&from=" + Enc(o->from);
        auto r = CallServer(o->client, "GET", "/api/v1/oncall/resilience" + q);
        return Show(r, *o, PrintResilience);
      };
    });
  }

  {
    auto* ov = oc->add_subcommand("override", "Schedule overrides made at run time: someone else takes a shift");
    ov->require_subcommand(1);
    {
      auto o = std::make_shared<Opts>();
      auto* c = ov->add_subcommand("list", "Current and upcoming overrides (--all: ended and cancelled too)");
      AddClientOptions(c, o->client);
      c->add_option("--schedule", o->schedule, "One schedule");
      c->add_flag("--all", o->all, "Include ended and cancelled overrides");
      c->callback([o, &run] {
        run = [o] {
          std::string q = "?state=" + std::string(o->all ? "all" : "current");
          if (!o->schedule.empty()) q += "&schedule=" + Enc(o->schedule);
          auto r = CallServer(o->client, "GET", "/api/v1/oncall/overrides" + q);
          if (!r) return PrintError(r.error());
          if (o->client.json) PrintJson(*r);
          else PrintOverrides(o->client, *r);
          return 0;
        };
      });
    }
    {
      auto o = std::make_shared<Opts>();
      auto* c = ov->add_subcommand("create", "Put a person on call in a schedule for a stretch of time");
      AddClientOptions(c, o->client);
      c->add_option("--schedule", o->schedule, "Schedule id")->required();
      c->add_option("--person", o->person, "Who takes the shift")->required();
      c->add_option("--replaces", o->replaces, "Only while this person would be on call");
      c->add_option("--start", o->from, "RFC 3339 start (default: now)");
      auto* end = c->add_option("--end", o->to, "RFC 3339 end");
      auto* dur = c->add_option("--for", o->duration, "Length instead of --end, e.g. 8h");
      end->excludes(dur);
      c->add_option("--reason", o->reason, "Why (shown in the listing and the audit log)");
      c->callback([o, &run] {
        run = [o] {
          json::object body{{"schedule", o->schedule}, {"person", o->person}};
          if (!o->replaces.empty()) body["replaces"] = o->replaces;
          if (!o->from.empty()) body["start"] = o->from;
          if (!o->to.empty()) body["end"] = o->to;
          if (!o->duration.empty()) body["duration"] = o->duration;
          if (!o->reason.empty()) body["reason"] = o->reason;
          auto r = CallServer(o->client, "POST", "/api/v1/oncall/overrides", body);
          return Show(r, *o, PrintOverride);
        };
      });
    }
    {
      auto o = std::make_shared<Opts>();
      auto* c = ov->add_subcommand("delete", "Cancel an upcoming override, or end one in progress now");
      AddClientOptions(c, o->client);
      c->add_option("id", o->id, "Override id (OVR-n)")->required();
      c->callback([o, &run] {
        run = [o] {
          auto r = CallServer(o->client, "DELETE", "/api/v1/oncall/overrides/" + Enc(o->id));
          return Show(r, *o, PrintOverride);
        };
      });
    }
  }

  // Paging commands join the `incident` family.
  CLI::App* inc = CommandFamily(app, "incident", "Work with incidents on a running server");
  {
    auto o = std::make_shared<Opts>();
    auto* c = inc->add_subcommand("escalate", "Escalate to the next tier now (pages it at once)");
    AddClientOptions(c, o->client);
    c->add_option("id", o->id, "Incident id")->required();
    c->add_option("--reason", o->reason, "Why (recorded in the timeline)")->required();
    c->callback([o, &run] {
      run = [o] {
        auto r = CallServer(o->client, "POST", "/api/v1/incidents/" + Enc(o->id) + "/escalate",
                            json::object{{"reason", o->reason}});
        if (!r) return PrintError(r.error());
        if (o->client.json) PrintJson(*r);
        else std::printf("%s escalated: %s\n", S(*r, "id").c_str(), o->reason.c_str());
        return 0;
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = inc->add_subcommand("flag", "Flag data loss or a security risk (escalates at once)");
    AddClientOptions(c, o->client);
    c->add_option("id", o->id, "Incident id")->required();
    c->add_option("flag", o->flag, "data_loss | security")->required()->check(CLI::IsMember({"data_loss", "security"}));
    c->add_option("--reason", o->reason, "What is at risk")->required();
    c->callback([o, &run] {
      run = [o] {
        auto r = CallServer(o->client, "POST", "/api/v1/incidents/" + Enc(o->id) + "/flag",
                            json::object{{"flag", o->flag}, {"reason", o->reason}});
        if (!r) return PrintError(r.error());
        if (o->client.json) PrintJson(*r);
        else std::printf("%s flagged %s\n", S(*r, "id").c_str(), o->flag.c_str());
        return 0;
      };
    });
  }
  {
    auto o = std::make_shared<Opts>();
    auto* c = inc->add_subcommand("pages", "An incident's escalation and notifications (who was paged, delivery)");
    AddClientOptions(c, o->client);
    c->add_option("id", o->id, "Incident id")->required();
    c->callback([o, &run] {
      run = [o] {
        auto e = CallServer(o->client, "GET", "/api/v1/incidents/" + Enc(o->id) + "/escalation");
        if (!e) return PrintError(e.error());
        auto n = CallServer(o->client, "GET", "/api/v1/incidents/" + Enc(o->id) + "/notifications");
        if (!n) return PrintError(n.error());
        if (o->client.json) {
          PrintJson(json::object{{"escalation", e->at("escalation")}, {"notifications", n->at("notifications")}});
          return 0;
        }
        PrintPages(*e, *n);
        return 0;
      };
    });
  }
}

}  // namespace firebreak::cli
