#include "core/json_strict.h"

#include <charconv>
#include <cstdint>
#include <forward_list>
#include <string>
#include <unordered_set>
#include <vector>

#include <boost/json/basic_parser_impl.hpp>

#include "core/strings.h"

namespace firebreak::core {

namespace {

// The keys of the open objects of the document being parsed, to find a repeated one, and where the
// parse is, to name it. Objects nest; each keeps its keys until it ends. A small object is searched
// in order; a large one gets a hash set, so a body of many keys costs linear time. A key that
// arrives whole and lies in the document is kept as a view of it; only an escaped key (which
// arrives in parts, or in the parser's scratch space) is copied.
//
// One per thread, reused: a request body is parsed without allocating here once the vectors have
// grown to fit it (ParseJsonStrict never runs inside itself).
class KeyScratch {
 public:
  void Reset(std::string_view doc) {
    doc_ = doc;
    keys_.clear();
    sets_.clear();
    copies_.clear();
    steps_.clear();
    if (keys_.capacity() > 65536) std::vector<std::string_view>().swap(keys_);  // after a huge body
  }

  void OpenObject() { steps_.push_back(Step{true, false, keys_.size(), 0}); }
  void CloseObject() {
    keys_.resize(steps_.back().begin);
    if (steps_.back().set) sets_.pop_back();
    steps_.pop_back();
  }
  void OpenArray() { steps_.push_back(Step{false, false, 0, 0}); }
  void CloseArray() { steps_.pop_back(); }
  // A value ended: in an array, the next one has the next index.
  void Completed() {
    if (!steps_.empty() && !steps_.back().object) ++steps_.back().index;
  }

  // A part of the next key (Boost.JSON delivers an escaped key in parts); `n` counts its bytes so
  // far, so the part whose size is `n` is the first.
  void KeyPart(std::string_view s, std::size_t n) {
    if (n == s.size()) part_.assign(s);
    else part_.append(s);
  }
  // The last part of the innermost open object's next key: false if that object has it already.
  bool Key(std::string_view s, std::size_t n) {
    std::string_view k = s;
    if (n != s.size()) {  // the last of several parts
      part_.append(s);
      k = part_;
    }
    Step& o = steps_.back();  // keys come only in an object, the innermost container
    bool seen = false;
    if (!o.set && keys_.size() - o.begin < kLinear) {
      for (std::size_t i = o.begin; i < keys_.size() && !seen; ++i) seen = keys_[i] == k;
    } else {
      if (!o.set) {
        o.set = true;
        sets_.emplace_back(keys_.begin() + static_cast<std::ptrdiff_t>(o.begin), keys_.end());
      }
      seen = sets_.back().count(k) != 0;
    }
    if (seen) {
      refused_ = PathTo(k);
      return false;
    }
    const bool in_doc =
        reinterpret_cast<uintptr_t>(k.data()) - reinterpret_cast<uintptr_t>(doc_.data()) < doc_.size();
    if (!in_doc) k = copies_.emplace_front(k);
    keys_.push_back(k);
    if (o.set) sets_.back().insert(k);
    o.index = keys_.size() - 1;
    return true;
  }
  // The path of the key Key() refused last ("a.b[2].key").
  const std::string& refused() const { return refused_; }

 private:
  static constexpr std::size_t kLinear = 16;  // keys searched in order before a set is built
  // An open container. For an array, `index` is its current index. For an object, `index` is
  // where its current key is in keys_, `begin` where its first is, and `set` whether it has the last
  // of sets_.
  struct Step {
    bool object;
    bool set;
    std::size_t begin;
    std::size_t index;
  };

  // The open containers' steps, the innermost object's step being `key`.
  std::string PathTo(std::string_view key) const {
    std::string out;
    for (std::size_t i = 0; i + 1 < steps_.size(); ++i) {
      const Step& s = steps_[i];
      if (!s.object) {
        out += "[" + std::to_string(s.index) + "]";
      } else {
        if (!out.empty()) out += '.';
        out += Truncate(keys_[s.index], 64);
      }
    }
    if (!out.empty()) out += '.';
    return out + Truncate(key, 64);
  }

  std::string_view doc_;
  std::vector<Step> steps_;
  std::vector<std::string_view> keys_;
  std::vector<std::unordered_set<std::string_view>> sets_;
  std::forward_list<std::string> copies_;  // escaped keys (they never move)
  std::string part_, refused_;
};

// A boost::json::basic_parser handler that builds the value as boost::json::parser does (through a
// value_stack), refuses a repeated key when `strict`, and reads a number with a fraction or an
// exponent exactly: Boost.JSON 1.81's own conversion is off by one unit in the last place for about
// one double in ten ("1.1935319286735585E-1", which it writes itself, reads back as
// 0.11935319286735584), so a stored document would not give back the number it was written from
// (and an audit entry holding one would no longer match its hash). The text of the number is
// converted again with std::from_chars, which is correctly rounded.
class StrictHandler {
 public:
  static constexpr std::size_t max_object_size = boost::json::object::max_size();
  static constexpr std::size_t max_array_size = boost::json::array::max_size();
  static constexpr std::size_t max_key_size = boost::json::string::max_size();
  static constexpr std::size_t max_string_size = boost::json::string::max_size();

  StrictHandler(KeyScratch& keys, bool strict, boost::json::storage_ptr sp) : keys(keys), strict(strict) {
    st.reset(std::move(sp));
  }

  KeyScratch& keys;
  const bool strict;
  boost::json::value_stack st;
  bool repeated = false;
  std::string number;  // the parts of a number split across writes

  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }
  bool on_object_begin(boost::system::error_code&) {
    if (strict) keys.OpenObject();
    return true;
  }
  bool on_object_end(std::size_t n, boost::system::error_code&) {
    if (strict) keys.CloseObject();
    st.push_object(n);
    return Completed();
  }
  bool on_array_begin(boost::system::error_code&) {
    if (strict) keys.OpenArray();
    return true;
  }
  bool on_array_end(std::size_t n, boost::system::error_code&) {
    if (strict) keys.CloseArray();
    st.push_array(n);
    return Completed();
  }
  bool on_key_part(std::string_view s, std::size_t n, boost::system::error_code&) {
    if (strict) keys.KeyPart(s, n);
    st.push_chars(s);
    return true;
  }
  bool on_key(std::string_view s, std::size_t n, boost::system::error_code& ec) {
    if (strict && !keys.Key(s, n)) {
      repeated = true;
      ec = boost::json::error::syntax;  // any error stops the parse; ParseJsonStrict names it
      return false;
    }
    st.push_key(s);
    return true;
  }
  bool on_string_part(std::string_view s, std::size_t, boost::system::error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_string(std::string_view s, std::size_t, boost::system::error_code&) {
    st.push_string(s);
    return Completed();
  }
  bool on_number_part(std::string_view s, boost::system::error_code&) {
    number.append(s);
    return true;
  }
  bool on_int64(int64_t v, std::string_view, boost::system::error_code&) {
    number.clear();
    st.push_int64(v);
    return Completed();
  }
  bool on_uint64(uint64_t v, std::string_view, boost::system::error_code&) {
    number.clear();
    st.push_uint64(v);
    return Completed();
  }
  bool on_double(double v, std::string_view s, boost::system::error_code&) {
    if (!number.empty()) {
      number.append(s);
      s = number;
    }
    // JSON's number grammar is a subset of from_chars's; out of range (1e999) keeps Boost's value.
    double exact = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), exact);
    if (r.ec == std::errc() && r.ptr == s.data() + s.size()) v = exact;
    number.clear();
    st.push_double(v);
    return Completed();
  }
  bool on_bool(bool v, boost::system::error_code&) {
    st.push_bool(v);
    return Completed();
  }
  bool on_null(boost::system::error_code&) {
    st.push_null();
    return Completed();
  }
  bool on_comment_part(std::string_view, boost::system::error_code&) { return true; }
  bool on_comment(std::string_view, boost::system::error_code&) { return true; }

 private:
  bool Completed() {
    if (strict) keys.Completed();
    return true;
  }
};

}  // namespace

namespace {

Result<boost::json::value> Parse(std::string_view text, bool strict, boost::json::storage_ptr sp, std::size_t max_depth) {
  thread_local KeyScratch keys;
  if (strict) keys.Reset(text);
  boost::json::parse_options opt;
  opt.max_depth = max_depth;
  opt.allow_invalid_utf8 = false;
  boost::json::basic_parser<StrictHandler> p(opt, keys, strict, std::move(sp));
  boost::system::error_code ec;
  std::size_t n = p.write_some(true, text.data(), text.size(), ec);
  if (!ec && n < text.size())
    return InvalidArgument("malformed JSON: unexpected data after the document at byte " + std::to_string(n));
  if (!ec) p.write_some(false, nullptr, 0, ec);
  if (p.handler().repeated) {
    const std::string& path = keys.refused();
    return InvalidArgument("key '" + path + "' appears more than once", path);
  }
  if (ec) return InvalidArgument("malformed JSON at byte " + std::to_string(n) + ": " + ec.message());
  return p.handler().st.release();
}

}  // namespace

Result<boost::json::value> ParseJsonStrict(std::string_view text, boost::json::storage_ptr sp, std::size_t max_depth) {
  return Parse(text, true, std::move(sp), max_depth);
}

Result<boost::json::value> ParseJsonExact(std::string_view text, boost::json::storage_ptr sp, std::size_t max_depth) {
  return Parse(text, false, std::move(sp), max_depth);
}

}  // namespace firebreak::core
