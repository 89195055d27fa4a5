// LabelSet: an alert's labels, name to value, kept as one sorted vector of pairs.
//
// It offers the part of std::map's interface the code uses (find, count, at, operator[], emplace,
// emplace_hint, insert_or_assign, erase, ordered iteration over pairs), so call sites read the
// same. The difference is the layout: a label set is small (typically 3-15 labels), written once
// when an event is decoded and then read many times (severity and grouping rules, silences,
// fingerprints, storage), so one contiguous block beats a tree of separately allocated nodes: one
// allocation instead of one per label, and a scan touches adjacent cache lines instead of chasing a
// pointer per label (the correlator's severity rules read every new alert's labels).
//
// Unlike std::map, inserting or erasing invalidates iterators and references to other labels.
// Appending in ascending name order (as Alertmanager sends labels, with emplace_hint at end())
// costs one comparison per label.
#pragma once

#include <algorithm>
#include <initializer_list>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace firebreak::model {

class LabelSet {
 public:
  using key_type = std::string;
  using mapped_type = std::string;
  using value_type = std::pair<std::string, std::string>;
  using container_type = std::vector<value_type>;
  using iterator = container_type::iterator;
  using const_iterator = container_type::const_iterator;
  using size_type = size_t;

  LabelSet() = default;
  // As std::map: in any order; of repeated names the first is kept.
  LabelSet(std::initializer_list<value_type> init) : LabelSet(init.begin(), init.end()) {}
  template <class It>
  LabelSet(It first, It last) {
    insert(first, last);
  }
  explicit LabelSet(const std::map<std::string, std::string>& m) : v_(m.begin(), m.end()) {}

  iterator begin() { return v_.begin(); }
  iterator end() { return v_.end(); }
  const_iterator begin() const { return v_.begin(); }
  const_iterator end() const { return v_.end(); }
  const_iterator cbegin() const { return v_.begin(); }
  const_iterator cend() const { return v_.end(); }
  bool empty() const { return v_.empty(); }
  size_t size() const { return v_.size(); }
  void clear() { v_.clear(); }
  void reserve(size_t n) { v_.reserve(n); }

  iterator lower_bound(std::string_view k) {
    return std::lower_bound(v_.begin(), v_.end(), k, Less{});
  }
  const_iterator lower_bound(std::string_view k) const {
    return std::lower_bound(v_.begin(), v_.end(), k, Less{});
  }
  iterator find(std::string_view k) {
    auto it = lower_bound(k);
    return it != v_.end() && it->first == k ? it : v_.end();
  }
  const_iterator find(std::string_view k) const {
    auto it = lower_bound(k);
    return it != v_.end() && it->first == k ? it : v_.end();
  }
  size_t count(std::string_view k) const { return find(k) != end() ? 1 : 0; }
  bool contains(std::string_view k) const { return find(k) != end(); }
  const std::string& at(std::string_view k) const {
    auto it = find(k);
    if (it == end()) throw std::out_of_range("LabelSet::at");
    return it->second;
  }
  std::string& at(std::string_view k) {
    auto it = find(k);
    if (it == end()) throw std::out_of_range("LabelSet::at");
    return it->second;
  }
  std::string& operator[](std::string_view k) { return emplace(std::string(k), std::string()).first->second; }

  template <class K, class V>
  std::pair<iterator, bool> emplace(K&& k, V&& v) {
    std::string key(std::forward<K>(k));
    auto it = lower_bound(key);
    if (it != v_.end() && it->first == key) return {it, false};
    return {v_.emplace(it, std::move(key), std::string(std::forward<V>(v))), true};
  }
  std::pair<iterator, bool> insert(value_type kv) { return emplace(std::move(kv.first), std::move(kv.second)); }
  // As std::map::insert(first, last): a name already present keeps its value, and of names repeated
  // in the range the first wins. In any order, one sort for the whole range (inserting one by one
  // out of order would move the vector's tail each time: quadratic in the range's length).
  template <class It>
  void insert(It first, It last) {
    const size_t old = v_.size();
    for (; first != last; ++first) v_.emplace_back(*first);
    if (v_.size() == old) return;
    auto less = [](const value_type& a, const value_type& b) { return a.first < b.first; };
    // Stable: the entries already present, then the range's in order, come first among equal names.
    std::stable_sort(v_.begin(), v_.end(), less);
    v_.erase(std::unique(v_.begin(), v_.end(), [](const value_type& a, const value_type& b) { return a.first == b.first; }),
             v_.end());
  }
  // The hint is only used when it is end() and the name sorts after every name present: the
  // append a decoder of sorted labels makes. Otherwise as emplace.
  template <class K, class V>
  iterator emplace_hint(const_iterator hint, K&& k, V&& v) {
    if (hint == v_.cend() && (v_.empty() || std::string_view(v_.back().first) < std::string_view(k))) {
      v_.emplace_back(std::forward<K>(k), std::forward<V>(v));
      return v_.end() - 1;
    }
    return emplace(std::forward<K>(k), std::forward<V>(v)).first;
  }
  template <class V>
  std::pair<iterator, bool> insert_or_assign(std::string_view k, V&& v) {
    auto it = lower_bound(k);
    if (it != v_.end() && it->first == k) {
      it->second = std::forward<V>(v);
      return {it, false};
    }
    return {v_.emplace(it, std::string(k), std::string(std::forward<V>(v))), true};
  }
  size_t erase(std::string_view k) {
    auto it = find(k);
    if (it == v_.end()) return 0;
    v_.erase(it);
    return 1;
  }
  iterator erase(const_iterator it) { return v_.erase(it); }

  std::map<std::string, std::string> ToMap() const { return {v_.begin(), v_.end()}; }

  friend bool operator==(const LabelSet& a, const LabelSet& b) { return a.v_ == b.v_; }

 private:
  struct Less {
    bool operator()(const value_type& a, std::string_view k) const { return std::string_view(a.first) < k; }
  };
  container_type v_;
};

}  // namespace firebreak::model
