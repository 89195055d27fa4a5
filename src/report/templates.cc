// Built-in templates (mustache). Users override them with files in `settings.reports.templates`.
#include "report/render.h"

namespace firebreak::report {

namespace {

const char* kPostmortemMd = R"MD(# Post-incident report: {{summary.id}} {{summary.title}}

Generated {{generated_at}} from the incident record.

## Summary

| Field | Value |
| --- | --- |
| Incident | {{summary.id}} |
| Severity | {{summary.severity}} (peak {{summary.peak_severity}}, {{summary.priority}}) |
| Status | {{summary.status}} |
| Started | {{summary.started_at}} |
| Resolved | {{#summary.resolved_at}}{{summary.resolved_at}}{{/summary.resolved_at}}{{^summary.resolved_at}}not resolved{{/summary.resolved_at}} |
| Duration | {{summary.duration}} |
| Affected services | {{#summary.services}}{{name}} ({{id}}); {{/summary.services}} |
| Blast radius | {{#summary.blast_radius}}{{id}}; {{/summary.blast_radius}}{{^summary.blast_radius}}none{{/summary.blast_radius}} |
| Customer impact | {{summary.customer_impact}} |

{{#summary.text}}
{{summary.text}}
{{/summary.text}}

## Key moments

| Moment | Time | Actor | Source |
| --- | --- | --- | --- |
{{#milestones}}
| {{label}} | {{at_text}} | {{actor}} | {{source}} |
{{/milestones}}

## Timeline of events

| Time | Kind | Actor | Event |
| --- | --- | --- | --- |
{{#timeline}}
| {{time}} | {{kind}} | {{actor}} | {{text}} |
{{/timeline}}

## Root cause and contributing factors

{{root_cause.text}}

{{#root_cause.identified_at}}
Identified at {{root_cause.identified_at}}.
{{/root_cause.identified_at}}

### Contributing factors

{{#root_cause.contributing_factors}}
- {{.}}
{{/root_cause.contributing_factors}}
{{^root_cause.contributing_factors}}
No contributing factors recorded.
{{/root_cause.contributing_factors}}

### Evidence

{{#root_cause.evidence}}
- {{.}}
{{/root_cause.evidence}}
{{^root_cause.evidence}}
No evidence recorded.
{{/root_cause.evidence}}

### Analysis hypotheses

{{#root_cause.hypotheses}}
- {{service}} ({{metric}}), confidence {{confidence}}
{{/root_cause.hypotheses}}
{{^root_cause.hypotheses}}
No analysis recorded.
{{/root_cause.hypotheses}}

## Actions taken

| Time | Action | Actor | Outcome |
| --- | --- | --- | --- |
{{#actions_taken}}
| {{time}} | {{text}} | {{actor}} | {{outcome}} |
{{/actions_taken}}

{{^actions_taken}}
No actions recorded.
{{/actions_taken}}

## Remediation items

| Priority | Item | Owner | Due | Status |
| --- | --- | --- | --- | --- |
{{#remediation_items}}
| {{priority}} | {{title}} | {{owner_name}} | {{due_text}} | {{status}}{{#overdue}} (overdue){{/overdue}} |
{{/remediation_items}}

{{^remediation_items}}
No remediation items recorded.
{{/remediation_items}}

## Lessons learned

### What went well

{{#lessons.went_well}}
- {{.}}
{{/lessons.went_well}}
{{^lessons.went_well}}
Not recorded.
{{/lessons.went_well}}

### What went poorly

{{#lessons.went_poorly}}
- {{.}}
{{/lessons.went_poorly}}
{{^lessons.went_poorly}}
Not recorded.
{{/lessons.went_poorly}}

### Where we got lucky

{{#lessons.got_lucky}}
- {{.}}
{{/lessons.got_lucky}}
{{^lessons.got_lucky}}
Not recorded.
{{/lessons.got_lucky}}

## Five whys

{{#five_whys}}
1. {{.}}
{{/five_whys}}
{{^five_whys}}
Not recorded.
{{/five_whys}}

## Metrics

| Metric | Definition | Value |
| --- | --- | --- |
{{#metrics.figures}}
| {{name}} | {{definition}} | {{text}} |
{{/metrics.figures}}

Ack SLA {{metrics.ack_sla}}: {{#metrics.ack_breached}}BREACHED{{/metrics.ack_breached}}{{^metrics.ack_breached}}met{{/metrics.ack_breached}}.
Resolve SLA {{metrics.resolve_sla}}: {{#metrics.resolve_breached}}BREACHED{{/metrics.resolve_breached}}{{^metrics.resolve_breached}}met{{/metrics.resolve_breached}}.

## Follow-up

{{#follow_up.review}}
Postmortem review owned by {{owner_name}}, due {{due_text}} ({{status}}).
{{/follow_up.review}}
{{^follow_up.review}}
No postmortem review scheduled yet.
{{/follow_up.review}}

Open items: {{follow_up.open_items}}, overdue: {{follow_up.overdue_items}}.
Audit entries for this incident: {{audit.count}}.
)MD";

const char* kPostmortemHtml = R"HTML(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{summary.id}}: {{summary.title}}</title>
<style>
body { font-family: sans-serif; margin: 2em; color: #222; max-width: 1100px; }
table { border-collapse: collapse; margin: 1em 0; }
td, th { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
.breach { color: #b00020; font-weight: bold; }
.empty { color: #777; font-style: italic; }
#timeline svg { border: 1px solid #ddd; }
</style>
</head>
<body>
<h1>Post-incident report: {{summary.id}} {{summary.title}}</h1>
<p>Generated {{generated_at}} from the incident record.</p>
<h2>Summary</h2>
<table>
<tr><th>Severity</th><td>{{summary.severity}} (peak {{summary.peak_severity}}, {{summary.priority}})</td></tr>
<tr><th>Status</th><td>{{summary.status}}</td></tr>
<tr><th>Started</th><td>{{summary.started_at}}</td></tr>
<tr><th>Duration</th><td>{{summary.duration}}</td></tr>
<tr><th>Affected services</th><td>{{#summary.services}}{{name}} ({{id}}) {{/summary.services}}</td></tr>
<tr><th>Customer impact</th><td>{{summary.customer_impact}}</td></tr>
</table>
{{#summary.text}}<p>{{summary.text}}</p>{{/summary.text}}
<h2>Timeline</h2>
<div id="timeline">{{{timeline_svg}}}</div>
<h2>Key moments</h2>
<table><tr><th>Moment</th><th>Time</th><th>Actor</th><th>Source</th></tr>
{{#milestones}}<tr><td>{{label}}</td><td>{{at_text}}</td><td>{{actor}}</td><td>{{source}}</td></tr>
{{/milestones}}</table>
<h2>Timeline of events</h2>
<table><tr><th>Time</th><th>Kind</th><th>Actor</th><th>Event</th></tr>
{{#timeline}}<tr><td>{{time}}</td><td>{{kind}}</td><td>{{actor}}</td><td>{{text}}</td></tr>
{{/timeline}}</table>
<h2>Root cause and contributing factors</h2>
<p>{{root_cause.text}}</p>
<ul>{{#root_cause.contributing_factors}}<li>{{.}}</li>{{/root_cause.contributing_factors}}</ul>
{{^root_cause.contributing_factors}}<p class="empty">No contributing factors recorded.</p>{{/root_cause.contributing_factors}}
<h3>Evidence</h3>
<ul>{{#root_cause.evidence}}<li>{{.}}</li>{{/root_cause.evidence}}</ul>
<h2>Actions taken</h2>
<table><tr><th>Time</th><th>Action</th><th>Actor</th><th>Outcome</th></tr>
{{#actions_taken}}<tr><td>{{time}}</td><td>{{text}}</td><td>{{actor}}</td><td>{{outcome}}</td></tr>
{{/actions_taken}}</table>
<h2>Remediation items</h2>
<table><tr><th>Priority</th><th>Item</th><th>Owner</th><th>Due</th><th>Status</th></tr>
{{#remediation_items}}<tr><td>{{priority}}</td><td>{{title}}</td><td>{{owner_name}}</td><td>{{due_text}}</td><td>{{status}}{{#overdue}} <span class="breach">overdue</span>{{/overdue}}</td></tr>
{{/remediation_items}}</table>
<h2>Lessons learned</h2>
<h3>What went well</h3><ul>{{#lessons.went_well}}<li>{{.}}</li>{{/lessons.went_well}}</ul>
<h3>What went poorly</h3><ul>{{#lessons.went_poorly}}<li>{{.}}</li>{{/lessons.went_poorly}}</ul>
<h3>Where we got lucky</h3><ul>{{#lessons.got_lucky}}<li>{{.}}</li>{{/lessons.got_lucky}}</ul>
<h2>Five whys</h2>
<ol>{{#five_whys}}<li>{{.}}</li>{{/five_whys}}</ol>
<h2>Metrics</h2>
<table><tr><th>Metric</th><th>Definition</th><th>Value</th></tr>
{{#metrics.figures}}<tr><td>{{name}}</td><td>{{definition}}</td><td>{{text}}</td></tr>
{{/metrics.figures}}</table>
<p>Ack SLA {{metrics.ack_sla}}: {{#metrics.ack_breached}}<span class="breach">BREACHED</span>{{/metrics.ack_breached}}{{^metrics.ack_breached}}met{{/metrics.ack_breached}}.
Resolve SLA {{metrics.resolve_sla}}: {{#metrics.resolve_breached}}<span class="breach">BREACHED</span>{{/metrics.resolve_breached}}{{^metrics.resolve_breached}}met{{/metrics.resolve_breached}}.</p>
<h2>Follow-up</h2>
{{#follow_up.review}}<p>Postmortem review owned by {{owner_name}}, due {{due_text}} ({{status}}).</p>{{/follow_up.review}}
<p>Open items: {{follow_up.open_items}}, overdue: {{follow_up.overdue_items}}. Audit entries: {{audit.count}}.</p>
</body>
</html>
)HTML";

const char* kStatusInternal = R"TXT([{{severity}}] {{incident_id}} {{title}} - {{state}} ({{phase}}), {{#duration}}lasted {{duration}}{{/duration}}{{^duration}}{{elapsed}} elapsed{{/duration}}
Services: {{services_text}}
Impact: {{customer_impact}}
Commander: {{commander}}; acknowledged by {{acknowledged_by}}
Escalation: {{escalation.text}}
Current action: {{current_action}}
Next step: {{next_step}}
SLA: {{sla_text}}
{{#next_update_at}}Next update by {{next_update_at}}.{{/next_update_at}}
)TXT";

const char* kStatusExternal = R"TXT({{title}}
Status: {{phase}}. {{status_sentence}}
Started: {{started_at}}{{#duration}}, resolved {{resolved_at}} (lasted {{duration}}){{/duration}}{{^duration}} ({{elapsed}} ago){{/duration}}
Affected: {{affected_text}}
Impact: {{customer_impact}}
{{#next_update_at}}We will post another update by {{next_update_at}}.{{/next_update_at}}
)TXT";

const char* kResponsePlanMd = R"MD(# Response plan: {{incident_id}} {{title}}

{{severity}}, {{state}}. Generated {{generated_at}}.

## Situation overview

| Field | Value |
| --- | --- |
| Started | {{situation.started_at}} ({{situation.elapsed}} ago) |
| Impact | {{situation.impact}} |
| Affected services | {{#situation.services}}{{name}} ({{id}}); {{/situation.services}} |
| Blast radius | {{#situation.blast_radius}}{{id}}; {{/situation.blast_radius}} |
| Regions | {{#situation.regions}}{{.}}; {{/situation.regions}} |
| Suspected systems | {{#situation.suspected}}{{service}} ({{metric}}); {{/situation.suspected}}{{situation.suspected_text}} |

## Roles and channels

| Role | Person |
| --- | --- |
{{#roles}}
| {{role}} | {{person}} |
{{/roles}}

Channels: {{#channels}}{{id}} ({{type}}); {{/channels}}{{^channels}}none configured{{/channels}}

## Investigation timeline

| Time | Kind | Actor | Event |
| --- | --- | --- | --- |
{{#timeline}}
| {{time}} | {{kind}} | {{actor}} | {{text}} |
{{/timeline}}

## Customer communication drafts

### Internal update

{{#drafts.internal}}
- {{.}}
{{/drafts.internal}}

### External update

{{#drafts.external}}
- {{.}}
{{/drafts.external}}

## Mitigation and verification checklist

{{#checklist}}
- [{{#done}}x{{/done}}{{^done}} {{/done}}] {{runbook}}: {{name}} ({{risk}}, {{verification}})
{{/checklist}}
{{^checklist}}
No matching runbook.
{{/checklist}}
{{#more_runbooks_line}}

Other matching runbooks: {{ids}}.
{{/more_runbooks_line}}

## Post-incident follow-up

Owner: {{follow_up.owner}}. Target date: {{follow_up.target_date}}.

{{#follow_up.backlog}}
- {{priority}} {{title}} ({{owner_name}}, due {{due_text}}, {{status}})
{{/follow_up.backlog}}
{{^follow_up.backlog}}
No backlog items yet.
{{/follow_up.backlog}}

Next step: {{next_step}}
)MD";

}  // namespace

const std::map<std::string, std::string>& Templates::BuiltIns() {
  static const std::map<std::string, std::string> kBuiltIns = {
      {"postmortem.md", kPostmortemMd},
      {"postmortem.html", kPostmortemHtml},
      {"status_internal.txt", kStatusInternal},
      {"status_external.txt", kStatusExternal},
      {"response_plan.md", kResponsePlanMd},
  };
  return kBuiltIns;
}

}  // namespace firebreak::report
