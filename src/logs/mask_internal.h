// Test hooks of the masker (not part of its interface).
#pragma once

namespace firebreak::logs::internal {

// When true, Masker::Mask sends numeric tokens through the general rules instead of the one-scan
// numeric path, so tests can check both give the same templates. Tests only; not thread-safe.
extern bool disable_numeric_fast_path;

}  // namespace firebreak::logs::internal
