// A test fixture for app tests: an App on the example configuration in a temporary data
// directory, with a manual clock (2026-03-01T10:00:00Z) and the engine thread started, and one way
// to send an alert event through the ingest path as a PagerDuty client would.
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "app/app.h"
#include "core/clock.h"
#include "core/time.h"
#include "testing/testing.h"

namespace firebreak::app {

// alice (a person of the example configuration) holding `scopes`: whom most app tests act as.
inline model::Principal Who(unsigned scopes = model::kScopeRead | model::kScopeWrite) {
  model::Principal p;
  p.actor = model::Actor::Person("alice");
  p.person = "alice";
  p.scopes = scopes;
  return p;
}

// An RFC 3339 time written in a test (it must parse).
inline core::TimePoint T(const char* s) { return core::ParseRfc3339(s).value(); }

class ExampleAppTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    AppOptions opt;
    opt.config_dir = config_dir_;
    opt.data_dir = dir_.path();
    opt.clock = &clock_;
    opt.synchronous = "normal";
    auto a = App::Open(opt);
    ASSERT_TRUE(a) << a.error().ToString();
    app_ = std::move(*a);
    app_->Start();  // the engine thread runs commands; app::Wait blocks this one until durable
  }
  // Stops the app and opens the same data directory again.
  void Restart() {
    app_->Stop();
    app_.reset();
    Open();
  }

  // One event for `service` under integration example-checkout-key; returns the incident it opened
  // or joined ("" when none: silenced, inhibited, resolved...).
  std::string Send(model::AlertEvent::Action action, const std::string& dedup, const std::string& service,
                   model::LabelSet labels, std::string summary) {
    auto in = app_->FindIntegration("example-checkout-key", "routing_key");
    EXPECT_TRUE(in);
    auto req = std::make_shared<engine::IngestRequest>();
    req->integration = *in;
    req->source = "pagerduty";
    model::AlertEvent ev;
    ev.action = action;
    ev.dedup_key = dedup;
    ev.summary = std::move(summary);
    ev.service_hint = service;
    ev.labels = std::move(labels);
    req->events.push_back(ev);
    auto res = Wait<engine::IngestResult>([&](auto cb) { app_->IngestAlerts(req, std::move(cb)); });
    EXPECT_TRUE(res) << res.error().ToString();
    return res ? res->outcomes.at(0).incident_id : "";
  }

  // The configuration directory Open() loads (a test may point it at a copy before calling Open).
  std::string config_dir_ = testing::SourceDir() + "/examples/config";
  testing::TempDir dir_;
  core::ManualClock clock_{core::ParseRfc3339("2026-03-01T10:00:00Z").value()};
  std::unique_ptr<App> app_;
};

}  // namespace firebreak::app
