// KeyIndex: a flat hash map from alert keys (strings) to small values, for the correlator's hot
// path. Open addressing with linear probing over 8-byte entries (hash tag, node); nodes sit in
// fixed-size chunks and keep keys of up to 46 bytes inline, so a lookup touches about two cache
// lines instead of the four of a node-based std::unordered_map<std::string, V>. Exact: keys are
// compared, hashes only narrow the search. Not thread-safe.
//
// Nodes are never moved: the index grows by adding a chunk, not by reallocating one vector (with
// a million keys, doubling a vector of nodes copied them and had the kernel zero about twice the
// memory finally used, a tenth of the time of a stream of new alerts).
//
// The table and the chunks live in memory advised for transparent huge pages: with a million keys
// both are tens of MiB and probed at random, so with 4 KiB pages nearly every lookup also misses
// the TLB, and under a hypervisor that page walk is about as slow as the cache miss itself.
#pragma once

#include <sys/mman.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/hash.h"

namespace firebreak::correlate {

// A std::allocator that advises the kernel to back large blocks with transparent huge pages
// before the container first touches them (advice only: a kernel without THP ignores it).
template <class T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) {}

  T* allocate(size_t n) {
    void* p = ::operator new(n * sizeof(T));
#ifdef MADV_HUGEPAGE
    constexpr size_t kHugePage = size_t{2} << 20;
    constexpr uintptr_t kPage = 4096;
    if (n * sizeof(T) >= 2 * kHugePage) {
      uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + kPage - 1) & ~(kPage - 1);
      uintptr_t end = (reinterpret_cast<uintptr_t>(p) + n * sizeof(T)) & ~(kPage - 1);
      madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
    }
#endif
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t) { ::operator delete(p); }
  template <class U>
  bool operator==(const HugePageAllocator<U>&) const { return true; }
};

using core::HashBytes;
using core::HashMix;
using core::StringHash;

// Names numbered from 0 in order of first sight. Never shrinks, so an id stays valid for as long as
// the interner lives (across config reloads).
class Interner {
 public:
  // `name`'s id, numbering it if it is new.
  int32_t Id(std::string_view name) {
    if (int32_t id = Find(name); id >= 0) return id;
    auto id = static_cast<int32_t>(names_.size());
    names_.emplace_back(name);
    ids_.emplace(name, id);
    return id;
  }
  // `name`'s id, or -1 if it was never numbered.
  int32_t Find(std::string_view name) const {
    auto it = ids_.find(name);
    return it == ids_.end() ? -1 : it->second;
  }
  const std::string& Name(int32_t id) const { return names_[static_cast<size_t>(id)]; }
  size_t size() const { return names_.size(); }

 private:
  std::vector<std::string> names_;
  std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>> ids_;
};

template <class V>
class KeyIndex {
 public:
  KeyIndex() { table_.assign(16, Entry{}); }
  ~KeyIndex() {
    for (uint32_t i = 0; i < nodes_; ++i) node(i).~Node();
    for (uint32_t c = 0; c < chunks_.size(); ++c) HugePageAllocator<Node>().deallocate(chunks_[c], ChunkSize(c));
  }
  KeyIndex(const KeyIndex&) = delete;
  KeyIndex& operator=(const KeyIndex&) = delete;

  V* Find(std::string_view key) {
    uint32_t n = Locate(key, Hash(key));
    return n == kEmpty ? nullptr : &node(n).value;
  }
  const V* Find(std::string_view key) const { return const_cast<KeyIndex*>(this)->Find(key); }

  // Inserts or overwrites.
  V& Put(std::string_view key, const V& v) { return *Insert(key).value = v; }

  // A key's node id stays the same until the key is erased, so a caller may keep it (the
  // correlator's undo journal does) instead of a copy of the key.
  static constexpr uint32_t kNone = UINT32_MAX;
  uint32_t FindId(std::string_view key) const { return Locate(key, Hash(key)); }
  V& At(uint32_t id) { return node(id).value; }
  // Erases the key of node `id` (which must be live).
  void EraseId(uint32_t id) {
    uint64_t h = Hash(node(id).Key());
    size_t mask = table_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      if (table_[i].node == id) {
        Release(id);
        table_[i].node = kTombstone;
        ++tombstones_;
        --size_;
        return;
      }
    }
  }

  struct Inserted {
    V* value;
    bool inserted;  // by this call (the value is value-initialized)
    uint32_t id;
  };
  // The value of `key`, inserting it if absent. One probe: a new key takes the first free entry
  // (empty or tombstone) on its probe path.
  Inserted Insert(std::string_view key) {
    uint64_t h = Hash(key);
    size_t mask = table_.size() - 1;
    size_t free = SIZE_MAX;
    size_t i = h & mask;
    for (;; i = (i + 1) & mask) {
      const Entry& e = table_[i];
      if (e.node == kEmpty) break;
      if (e.node == kTombstone) {
        if (free == SIZE_MAX) free = i;
      } else if (e.tag == Tag(h) && node(e.node).Key() == key) {
        return {&node(e.node).value, false, e.node};
      }
    }
    if ((size_ + tombstones_ + 1) * 2 > table_.size()) {
      Rehash(size_ * 4 > table_.size() ? table_.size() * 2 : table_.size());
      mask = table_.size() - 1;
      for (i = h & mask; table_[i].node != kEmpty; i = (i + 1) & mask) {
      }
      free = SIZE_MAX;  // a rehash leaves no tombstones
    }
    if (free != SIZE_MAX) {
      i = free;
      --tombstones_;
    }
    uint32_t id;
    if (!free_.empty()) {
      id = free_.back();
      free_.pop_back();
    } else {
      id = AddNode();
    }
    Node& n = node(id);
    n.SetKey(key);
    n.value = V{};
    n.live = true;
    table_[i] = Entry{Tag(h), id};
    ++size_;
    return {&n.value, true, id};
  }

  bool Erase(std::string_view key) {
    uint64_t h = Hash(key);
    size_t mask = table_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const Entry& e = table_[i];
      if (e.node == kEmpty) return false;
      if (e.node != kTombstone && e.tag == Tag(h) && node(e.node).Key() == key) {
        Release(e.node);
        table_[i].node = kTombstone;
        ++tombstones_;
        --size_;
        return true;
      }
    }
  }

  size_t size() const { return size_; }

  // f(std::string_view key, const V& value)
  template <class F>
  void ForEach(F f) const {
    for (uint32_t i = 0; i < nodes_; ++i)
      if (const Node& n = node(i); n.live) f(n.Key(), n.value);
  }
  // Erases every entry for which pred(key, value) is true.
  template <class P>
  void EraseIf(P pred) {
    std::vector<std::string> doomed;
    ForEach([&](std::string_view k, const V& v) {
      if (pred(k, v)) doomed.emplace_back(k);
    });
    for (const auto& k : doomed) Erase(k);
  }

 private:
  static constexpr uint32_t kEmpty = kNone;
  static constexpr uint32_t kTombstone = UINT32_MAX - 1;
  static constexpr size_t kInline = 46;

  // 8 bytes: a node id and 32 bits of the key's hash (the table's index bits come from its low
  // bits, the tag from its high ones), so a probe compares a key only when the tags agree. A rehash
  // hashes the keys again rather than keep whole hashes: half the table's memory, which a stream of
  // new keys pays for in page faults as the table grows.
  struct Entry {
    uint32_t tag = 0;
    uint32_t node = kEmpty;
  };
  static uint32_t Tag(uint64_t h) { return static_cast<uint32_t>(h >> 32); }
  // A key of up to kInline bytes is kept in the node; a longer one in its own allocation, whose
  // address and length then take the place of the inline bytes. With the correlator's 80-byte
  // value a node is 128 bytes, two cache lines.
  struct Node {
    uint8_t len = 0;  // inline length; kHeap = the key is on the heap
    bool live = false;
    char inline_key[kInline];
    V value{};

    static constexpr uint8_t kHeap = 255;
    Node() = default;
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;
    ~Node() { FreeKey(); }

    std::string_view Key() const {
      if (len != kHeap) return std::string_view(inline_key, len);
      const char* p;
      uint32_t n;
      std::memcpy(&p, inline_key, sizeof p);
      std::memcpy(&n, inline_key + sizeof p, sizeof n);
      return std::string_view(p, n);
    }
    void SetKey(std::string_view k) {
      FreeKey();
      if (k.size() <= kInline) {
        std::memcpy(inline_key, k.data(), k.size());
        len = static_cast<uint8_t>(k.size());
      } else {
        char* p = new char[k.size()];
        std::memcpy(p, k.data(), k.size());
        auto n = static_cast<uint32_t>(k.size());
        std::memcpy(inline_key, &p, sizeof p);
        std::memcpy(inline_key + sizeof p, &n, sizeof n);
        len = kHeap;
      }
    }
    void FreeKey() {
      if (len == kHeap) delete[] Key().data();
      len = 0;
    }
  };

  static uint64_t Hash(std::string_view k) {
    uint64_t h = HashBytes(0x243f6a8885a308d3ULL, k);
    return h ^ (h >> 29);  // spread the bits the mask keeps
  }

  // Node `id` lives in chunk c = floor(log2(id / 16 + 1)), which holds 16 << c nodes: the chunks
  // double in size, so a million keys take about sixteen of them, and at most half of the last is
  // unused. A node is constructed when first handed out, so untouched memory stays untouched.
  static constexpr uint32_t kFirstBits = 4;
  static uint32_t ChunkOf(uint32_t id) {
    return 31 - static_cast<uint32_t>(__builtin_clz((id >> kFirstBits) + 1));
  }
  static uint32_t ChunkStart(uint32_t c) { return ((1u << c) - 1) << kFirstBits; }
  static size_t ChunkSize(uint32_t c) { return size_t{1} << (c + kFirstBits); }

  Node& node(uint32_t id) {
    uint32_t c = ChunkOf(id);
    return chunks_[c][id - ChunkStart(c)];
  }
  const Node& node(uint32_t id) const { return const_cast<KeyIndex*>(this)->node(id); }
  uint32_t AddNode() {
    uint32_t id = nodes_;
    uint32_t c = ChunkOf(id);
    if (c == chunks_.size()) chunks_.push_back(HugePageAllocator<Node>().allocate(ChunkSize(c)));
    new (&chunks_[c][id - ChunkStart(c)]) Node();
    ++nodes_;
    return id;
  }

  uint32_t Locate(std::string_view key, uint64_t h) const {
    size_t mask = table_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const Entry& e = table_[i];
      if (e.node == kEmpty) return kEmpty;
      if (e.node != kTombstone && e.tag == Tag(h) && node(e.node).Key() == key) return e.node;
    }
  }

  void Release(uint32_t id) {
    Node& n = node(id);
    n.live = false;
    n.FreeKey();
    n.value = V{};
    free_.push_back(id);
  }

  void Rehash(size_t capacity) {
    std::vector<Entry, HugePageAllocator<Entry>> old;
    old.swap(table_);
    table_.assign(capacity, Entry{});
    tombstones_ = 0;
    size_t mask = capacity - 1;
    for (const auto& e : old) {
      if (e.node == kEmpty || e.node == kTombstone) continue;
      for (size_t i = Hash(node(e.node).Key()) & mask;; i = (i + 1) & mask) {
        if (table_[i].node == kEmpty) {
          table_[i] = e;
          break;
        }
      }
    }
  }

  std::vector<Entry, HugePageAllocator<Entry>> table_;
  std::vector<Node*> chunks_;
  uint32_t nodes_ = 0;  // nodes constructed: in use or on the free list
  std::vector<uint32_t> free_;
  size_t size_ = 0;
  size_t tombstones_ = 0;
};

}  // namespace firebreak::correlate
