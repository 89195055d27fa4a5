// KeyIndex: a flat hash map from alert keys (strings) to small values, for the correlator's hot
// path. Open addressing with linear probing over 16-byte entries (hash, node); nodes sit in one
// vector and keep keys of up to 46 bytes inline, so a lookup touches about two cache lines instead
// of the four of a node-based std::unordered_map<std::string, V>. Exact: keys are compared, hashes
// only narrow the search. Not thread-safe.
//
// The table and the nodes live in memory advised for transparent huge pages: with a million keys
// both are tens of MiB and probed at random, so with 4 KiB pages nearly every lookup also misses
// the TLB, and under a hypervisor that page walk is about as slow as the cache miss itself.
#pragma once

#include <sys/mman.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <new>
#include <string_view>
#include <vector>

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

template <class V>
class KeyIndex {
 public:
  KeyIndex() { table_.assign(16, Entry{}); }

  V* Find(std::string_view key) {
    uint32_t n = Locate(key, Hash(key));
    return n == kEmpty ? nullptr : &nodes_[n].value;
  }
  const V* Find(std::string_view key) const { return const_cast<KeyIndex*>(this)->Find(key); }

  // Inserts or overwrites.
  V& Put(std::string_view key, const V& v) { return *Insert(key).first = v; }

  // The value of `key` and true if this call inserted it (value-initialized). One probe: a new key
  // takes the first free entry (empty or tombstone) on its probe path.
  std::pair<V*, bool> Insert(std::string_view key) {
    uint64_t h = Hash(key);
    size_t mask = table_.size() - 1;
    size_t free = SIZE_MAX;
    size_t i = h & mask;
    for (;; i = (i + 1) & mask) {
      const Entry& e = table_[i];
      if (e.node == kEmpty) break;
      if (e.node == kTombstone) {
        if (free == SIZE_MAX) free = i;
      } else if (e.hash == h && nodes_[e.node].Key() == key) {
        return {&nodes_[e.node].value, false};
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
    uint32_t node;
    if (!free_.empty()) {
      node = free_.back();
      free_.pop_back();
    } else {
      node = static_cast<uint32_t>(nodes_.size());
      nodes_.emplace_back();
    }
    nodes_[node].SetKey(key);
    nodes_[node].value = V{};
    nodes_[node].live = true;
    table_[i] = Entry{h, node};
    ++size_;
    return {&nodes_[node].value, true};
  }

  bool Erase(std::string_view key) {
    uint64_t h = Hash(key);
    size_t mask = table_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const Entry& e = table_[i];
      if (e.node == kEmpty) return false;
      if (e.node != kTombstone && e.hash == h && nodes_[e.node].Key() == key) {
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
    for (const auto& n : nodes_)
      if (n.live) f(n.Key(), n.value);
  }
  // Erases every entry for which pred(key, value) is true.
  template <class P>
  void EraseIf(P pred) {
    std::vector<std::string> doomed;
    for (const auto& n : nodes_)
      if (n.live && pred(n.Key(), n.value)) doomed.emplace_back(n.Key());
    for (const auto& k : doomed) Erase(k);
  }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  static constexpr uint32_t kTombstone = UINT32_MAX - 1;
  static constexpr size_t kInline = 46;

  struct Entry {
    uint64_t hash = 0;
    uint32_t node = kEmpty;
  };
  struct Node {
    uint8_t len = 0;  // inline length; 255 = the key is in `heap`
    bool live = false;
    char inline_key[kInline];
    std::unique_ptr<char[]> heap;
    uint32_t heap_len = 0;
    V value{};

    std::string_view Key() const {
      return len == 255 ? std::string_view(heap.get(), heap_len) : std::string_view(inline_key, len);
    }
    void SetKey(std::string_view k) {
      if (k.size() <= kInline) {
        std::memcpy(inline_key, k.data(), k.size());
        len = static_cast<uint8_t>(k.size());
        heap.reset();
      } else {
        heap.reset(new char[k.size()]);
        std::memcpy(heap.get(), k.data(), k.size());
        heap_len = static_cast<uint32_t>(k.size());
        len = 255;
      }
    }
  };

  static uint64_t Hash(std::string_view k) {
    uint64_t h = std::hash<std::string_view>{}(k);
    return h ^ (h >> 29);  // spread the bits the mask keeps
  }

  uint32_t Locate(std::string_view key, uint64_t h) const {
    size_t mask = table_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const Entry& e = table_[i];
      if (e.node == kEmpty) return kEmpty;
      if (e.node != kTombstone && e.hash == h && nodes_[e.node].Key() == key) return e.node;
    }
  }

  void Release(uint32_t node) {
    nodes_[node].live = false;
    nodes_[node].heap.reset();
    nodes_[node].value = V{};
    free_.push_back(node);
  }

  void Rehash(size_t capacity) {
    std::vector<Entry, HugePageAllocator<Entry>> old;
    old.swap(table_);
    table_.assign(capacity, Entry{});
    tombstones_ = 0;
    size_t mask = capacity - 1;
    for (const auto& e : old) {
      if (e.node == kEmpty || e.node == kTombstone) continue;
      for (size_t i = e.hash & mask;; i = (i + 1) & mask) {
        if (table_[i].node == kEmpty) {
          table_[i] = e;
          break;
        }
      }
    }
  }

  std::vector<Entry, HugePageAllocator<Entry>> table_;
  std::vector<Node, HugePageAllocator<Node>> nodes_;
  std::vector<uint32_t> free_;
  size_t size_ = 0;
  size_t tombstones_ = 0;
};

}  // namespace firebreak::correlate
