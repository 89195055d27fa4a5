// Numbered schema migrations. Append new ones at the end; never edit an applied one.
#pragma once

#include <string>
#include <vector>

namespace firebreak::store {

struct Migration {
  int version;
  std::string name;
  std::string sql;
};

const std::vector<Migration>& Migrations();

}  // namespace firebreak::store
