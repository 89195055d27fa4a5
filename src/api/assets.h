// The web console's static files, embedded in the binary at build time (generated from web/ by
// cmake/EmbedAssets.cmake), so `firebreak serve` needs nothing beside it.
#pragma once

#include <string_view>
#include <vector>

namespace firebreak::api {

struct Asset {
  std::string_view path;  // "index.html", "app.js", "pages/incident.js", ...
  std::string_view content_type;
  std::string_view body;
};

// Every embedded file.
const std::vector<Asset>& EmbeddedAssets();

}  // namespace firebreak::api
