#include "report/similar.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <iterator>

namespace firebreak::report {

namespace {

constexpr double kServiceWeight = 0.45, kAlertWeight = 0.35, kWordWeight = 0.20;

bool Stopword(std::string_view w) {
  static constexpr std::array<std::string_view, 24> kWords = {
      "the", "and", "for", "with", "from", "are", "was", "were", "not", "has", "have", "had",
      "into", "than", "then", "this", "that", "its", "our", "all", "any", "but", "out", "via"};
  return std::find(kWords.begin(), kWords.end(), w) != kWords.end();
}

// An alert's name: its alertname label, else its summary with runs of digits as one '#'.
std::string AlertName(const model::Alert& a) {
  auto it = a.labels.find("alertname");
  if (it != a.labels.end() && !it->second.empty()) return it->second;
  std::string out;
  for (char c : a.summary.substr(0, 200)) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      if (out.empty() || out.back() != '#') out.push_back('#');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::vector<std::string> Shared(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::vector<std::string> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

double Jaccard(size_t shared, size_t a, size_t b) {
  size_t all = a + b - shared;
  return all == 0 ? 0.0 : static_cast<double>(shared) / static_cast<double>(all);
}

}  // namespace

std::set<std::string> TitleWords(std::string_view title) {
  std::set<std::string> out;
  std::string w;
  auto flush = [&] {
    bool digits = !w.empty() && std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (w.size() >= 3 && !digits && !Stopword(w)) out.insert(w);
    w.clear();
  };
  for (char c : title) {
    if (std::isalnum(static_cast<unsigned char>(c))) w.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    else flush();
  }
  flush();
  return out;
}

IncidentTraits TraitsOf(const model::Incident& inc, const std::vector<model::Alert>& alerts) {
  IncidentTraits t;
  t.services.insert(inc.services.begin(), inc.services.end());
  for (const auto& a : alerts) {
    auto name = AlertName(a);
    if (!name.empty()) t.alerts.insert(std::move(name));
  }
  t.words = TitleWords(inc.title);
  return t;
}

Likeness Compare(const IncidentTraits& now, const IncidentTraits& past) {
  Likeness l;
  l.services = Shared(now.services, past.services);
  l.alerts = Shared(now.alerts, past.alerts);
  l.words = Shared(now.words, past.words);
  double sum = 0, weights = 0;
  auto part = [&](double w, size_t shared, const std::set<std::string>& a, const std::set<std::string>& b) {
    if (a.empty()) return;  // nothing to compare on this side: the part does not count
    weights += w;
    sum += w * Jaccard(shared, a.size(), b.size());
  };
  part(kServiceWeight, l.services.size(), now.services, past.services);
  part(kAlertWeight, l.alerts.size(), now.alerts, past.alerts);
  part(kWordWeight, l.words.size(), now.words, past.words);
  l.score = weights > 0 ? sum / weights : 0.0;
  return l;
}

}  // namespace firebreak::report
