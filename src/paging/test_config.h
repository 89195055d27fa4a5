// Configuration for the paging tests: loading YAML (a load that fails is a test failure listing every
// diagnostic) and the command channels most pager tests deliver through.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "config/loader.h"

namespace firebreak::paging {

inline std::shared_ptr<const config::Config> LoadTestConfigFiles(const std::map<std::string, std::string>& files) {
  auto loaded = config::LoadConfigFiles(files);
  std::string errs;
  for (const auto& d : loaded.diagnostics.all()) errs += d.ToString() + "\n";
  EXPECT_TRUE(loaded.config) << errs;
  return loaded.config;
}

inline std::shared_ptr<const config::Config> LoadTestConfig(const std::string& yaml) {
  return LoadTestConfigFiles({{"test.yaml", yaml}});
}

// Entries of a `channels:` list: `sms` (sms, phone and command contacts) and `mail` (email contacts),
// each a real subprocess writing the message to $FIREBREAK_DATA_DIR/out.<idempotency key>.
inline constexpr const char* kFileChannels = R"yaml(  - id: sms
    type: command
    argv: [/bin/sh, -c, 'cat > "$FIREBREAK_DATA_DIR/out.$FIREBREAK_IDEMPOTENCY_KEY"']
  - id: mail
    type: command
    contact_types: [email]
    argv: [/bin/sh, -c, 'cat > "$FIREBREAK_DATA_DIR/out.$FIREBREAK_IDEMPOTENCY_KEY"']
)yaml";

}  // namespace firebreak::paging
