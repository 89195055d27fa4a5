#include "graph/render.h"

#include <algorithm>
#include <cstdio>
#include <map>

namespace firebreak::graph {

namespace {

std::string DotQuote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string Xml(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        // Control characters are not allowed in XML 1.0.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t') out += ' ';
        else out += c;
    }
  }
  return out;
}

std::string Fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

Health HealthOf(const RenderOptions& o, int v) {
  return v < static_cast<int>(o.health.size()) ? o.health[v] : Health::kOk;
}

struct Style {
  const char* fill;
  const char* stroke;
  const char* text;
};
Style StyleOf(Health h, bool lost) {
  if (lost) return {"#8b0000", "#4a0000", "#ffffff"};
  switch (h) {
    case Health::kFailed: return {"#f8d7da", "#b00020", "#4a0000"};
    case Health::kDegraded: return {"#fff3cd", "#b58100", "#4a3500"};
    case Health::kOk: break;
  }
  return {"#ffffff", "#5f6368", "#202124"};
}

std::vector<char> Selection(const Graph& g, const RenderOptions& o, const std::vector<char>& lost) {
  const int n = g.size();
  std::vector<char> sel(n, o.impact_only ? 0 : 1);
  if (!o.impact_only) return sel;
  bool any = false;
  for (int v = 0; v < n; ++v) {
    if (!lost[v] && HealthOf(o, v) == Health::kOk) continue;
    any = true;
    sel[v] = 1;
    for (const Edge& e : g.Deps(v)) sel[e.other] = 1;
    for (const Edge& e : g.Callers(v)) sel[e.other] = 1;
  }
  if (!any) std::fill(sel.begin(), sel.end(), 1);
  return sel;
}

}  // namespace

RenderOptions Highlight(const BlastRadius& br, std::string title) {
  RenderOptions o;
  o.title = std::move(title);
  o.health = br.health;
  for (const auto& a : br.failed)
    if (a.cause == Cause::kInitial || a.cause == Cause::kZone) o.lost.push_back(a.node);
  return o;
}

std::string ToDot(const Graph& g, const RenderOptions& o) {
  const int n = g.size();
  std::vector<char> lost(n, 0);
  for (int v : o.lost) lost[v] = 1;
  auto sel = Selection(g, o, lost);
  std::string out = "digraph firebreak {\n";
  if (!o.title.empty()) out += "  label=" + DotQuote(o.title) + ";\n  labelloc=t;\n";
  out += "  rankdir=TB;\n  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=11];\n";
  out += "  edge [color=\"#80868b\"];\n";
  std::vector<char> in_cluster(n, 0);
  for (size_t gi = 0; gi < g.groups().size(); ++gi) {
    const auto& grp = g.groups()[gi];
    std::string body;
    for (int m : grp.members)
      if (sel[m]) {
        body += "    " + DotQuote(g.node(m).id) + ";\n";
        in_cluster[m] = 1;
      }
    if (body.empty()) continue;
    out += "  subgraph " + DotQuote("cluster_" + grp.id) + " {\n    label=" +
           DotQuote(grp.id + (grp.failover ? " (failover)" : " (active-active)")) +
           ";\n    style=dashed;\n    color=\"#5f6368\";\n" + body + "  }\n";
  }
  for (int v = 0; v < n; ++v) {
    if (!sel[v]) continue;
    const Node& s = g.node(v);
    Style st = StyleOf(HealthOf(o, v), lost[v]);
    std::string label = s.id + "\\ntier " + std::to_string(s.tier);
    if (s.HasCapacity()) label += Fmt(" · %.0f%%", 100.0 * s.load_rps / s.Capacity());
    std::string health = lost[v] ? "lost" : std::string(HealthName(HealthOf(o, v)));
    out += "  " + DotQuote(s.id) + " [label=\"" + label + "\", fillcolor=\"" + st.fill + "\", color=\"" + st.stroke +
           "\", fontcolor=\"" + st.text + "\"";
    if (s.customer_facing) out += ", peripheries=2";
    out += ", tooltip=" + DotQuote(s.name + " (" + health + ")") + "];\n";
  }
  for (int v = 0; v < n; ++v) {
    if (!sel[v]) continue;
    for (const Edge& e : g.Deps(v)) {
      if (!sel[e.other]) continue;
      out += "  " + DotQuote(g.node(v).id) + " -> " + DotQuote(g.node(e.other).id);
      std::vector<std::string> attrs;
      if (e.kind == EdgeKind::kSoft) attrs.push_back("style=dashed");
      Health hv = HealthOf(o, v), hd = HealthOf(o, e.other);
      if (hv == Health::kFailed && (hd == Health::kFailed || lost[e.other]) && e.kind == EdgeKind::kHard)
        attrs.push_back("color=\"#b00020\", penwidth=2");
      else if (hv == Health::kDegraded && hd != Health::kOk)
        attrs.push_back("color=\"#b58100\"");
      if (!attrs.empty()) {
        out += " [";
        for (size_t i = 0; i < attrs.size(); ++i) out += (i ? ", " : "") + attrs[i];
        out += "]";
      }
      out += ";\n";
    }
  }
  out += "}\n";
  return out;
}

std::string ToSvg(const Graph& g, const RenderOptions& o) {
  const int n = g.size();
  std::vector<char> lost(n, 0);
  for (int v : o.lost) lost[v] = 1;
  auto sel = Selection(g, o, lost);
  std::vector<int> nodes;
  for (int v = 0; v < n; ++v)
    if (sel[v]) nodes.push_back(v);

  // 1. Break cycles: DFS along dependencies from the services nobody (selected) calls.
  std::vector<char> state(n, 0);  // 0 new, 1 on stack, 2 done
  std::vector<std::vector<char>> back(n);
  for (int v : nodes) back[v].assign(g.Deps(v).size(), 0);
  auto dfs = [&](int root) {
    std::vector<std::pair<int, size_t>> stack{{root, 0}};
    state[root] = 1;
    while (!stack.empty()) {
      auto& [v, i] = stack.back();
      auto deps = g.Deps(v);
      if (i < deps.size()) {
        const size_t k = i++;
        const int w = deps[k].other;
        if (!sel[w]) continue;
        if (state[w] == 1) back[v][k] = 1;
        else if (state[w] == 0) {
          state[w] = 1;
          stack.push_back({w, 0});
        }
      } else {
        state[v] = 2;
        stack.pop_back();
      }
    }
  };
  for (int v : nodes) {
    bool called = false;
    for (const Edge& e : g.Callers(v)) called |= sel[e.other] != 0;
    if (!called && state[v] == 0) dfs(v);
  }
  for (int v : nodes)
    if (state[v] == 0) dfs(v);

  // 2. Layers: longest path from the top over forward edges.
  std::vector<int> indeg(n, 0), layer(n, 0), topo;
  for (int v : nodes) {
    auto deps = g.Deps(v);
    for (size_t k = 0; k < deps.size(); ++k)
      if (sel[deps[k].other] && !back[v][k]) ++indeg[deps[k].other];
  }
  for (int v : nodes)
    if (indeg[v] == 0) topo.push_back(v);
  for (size_t h = 0; h < topo.size(); ++h) {
    const int v = topo[h];
    auto deps = g.Deps(v);
    for (size_t k = 0; k < deps.size(); ++k) {
      const int w = deps[k].other;
      if (!sel[w] || back[v][k]) continue;
      layer[w] = std::max(layer[w], layer[v] + 1);
      if (--indeg[w] == 0) topo.push_back(w);
    }
  }
  int layers = 0;
  for (int v : nodes) layers = std::max(layers, layer[v] + 1);
  std::vector<std::vector<int>> rows(layers);
  for (int v : topo) rows[layer[v]].push_back(v);

  // 3. Order within layers: barycenter sweeps.
  std::vector<double> pos(n, 0.0);
  auto renumber = [&](int r) {
    const auto& row = rows[r];
    for (size_t i = 0; i < row.size(); ++i) pos[row[i]] = row.size() > 1 ? double(i) / double(row.size() - 1) : 0.5;
  };
  for (int r = 0; r < layers; ++r) renumber(r);
  for (int sweep = 0; sweep < 8; ++sweep) {
    const bool down = sweep % 2 == 0;
    for (int step = 1; step < layers; ++step) {
      const int r = down ? step : layers - 1 - step;
      std::vector<std::pair<double, int>> keyed;
      for (int v : rows[r]) {
        double sum = 0;
        int cnt = 0;
        if (down) {
          for (const Edge& e : g.Callers(v))
            if (sel[e.other] && layer[e.other] < r) sum += pos[e.other], ++cnt;
        } else {
          for (const Edge& e : g.Deps(v))
            if (sel[e.other] && layer[e.other] > r) sum += pos[e.other], ++cnt;
        }
        keyed.push_back({cnt ? sum / cnt : pos[v], v});
      }
      std::stable_sort(keyed.begin(), keyed.end(), [](auto& a, auto& b) { return a.first < b.first; });
      for (size_t i = 0; i < keyed.size(); ++i) rows[r][i] = keyed[i].second;
      renumber(r);
    }
  }

  // 4. Coordinates.
  constexpr double kH = 42, kGap = 28, kLayerGap = 110, kMargin = 24, kTop = 96;
  std::vector<double> x(n, 0), y(n, 0), w(n, 0);
  double width = 560;
  std::vector<double> row_width(layers, 0);
  for (int r = 0; r < layers; ++r) {
    for (int v : rows[r]) {
      w[v] = std::max(96.0, 7.6 * static_cast<double>(g.node(v).id.size()) + 28);
      row_width[r] += w[v] + kGap;
    }
    width = std::max(width, row_width[r] + 2 * kMargin);
  }
  for (int r = 0; r < layers; ++r) {
    double cx = (width - row_width[r] + kGap) / 2;
    for (int v : rows[r]) {
      x[v] = cx;
      y[v] = kTop + r * kLayerGap;
      cx += w[v] + kGap;
    }
  }
  const double height = kTop + std::max(1, layers) * kLayerGap;

  std::string out;
  out.reserve(4096 + nodes.size() * 600);
  out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + Fmt("%.0f", width) + "\" height=\"" +
         Fmt("%.0f", height) + "\" viewBox=\"0 0 " + Fmt("%.0f", width) + " " + Fmt("%.0f", height) +
         "\" font-family=\"Helvetica, Arial, sans-serif\">\n";
  out += "<title>" + Xml(o.title.empty() ? "Service graph" : o.title) + "</title>\n";
  out += "<defs>";
  for (auto [id, color] : {std::pair{"a-ok", "#80868b"}, {"a-failed", "#b00020"}, {"a-degraded", "#b58100"}})
    out += std::string("<marker id=\"") + id + "\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
           "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"" + color +
           "\"/></marker>";
  out += "</defs>\n<rect width=\"100%\" height=\"100%\" fill=\"#fafafa\"/>\n";
  out += "<text x=\"" + Fmt("%.0f", kMargin) + "\" y=\"28\" font-size=\"16\" font-weight=\"bold\" fill=\"#202124\">" +
         Xml(o.title.empty() ? "Service graph" : o.title) + "</text>\n";
  // Legend.
  {
    double lx = kMargin;
    const std::pair<const char*, Style> items[] = {{"lost", StyleOf(Health::kFailed, true)},
                                                  {"failed", StyleOf(Health::kFailed, false)},
                                                  {"degraded", StyleOf(Health::kDegraded, false)},
                                                  {"ok", StyleOf(Health::kOk, false)}};
    for (const auto& [label, st] : items) {
      out += "<rect x=\"" + Fmt("%.0f", lx) + "\" y=\"42\" width=\"14\" height=\"14\" rx=\"3\" fill=\"" + st.fill +
             "\" stroke=\"" + st.stroke + "\"/><text x=\"" + Fmt("%.0f", lx + 19) +
             "\" y=\"54\" font-size=\"12\" fill=\"#202124\">" + label + "</text>\n";
      lx += 82;
    }
    out += "<text x=\"" + Fmt("%.0f", lx) +
           "\" y=\"54\" font-size=\"12\" fill=\"#5f6368\">double border: customer-facing · dashed: soft dependency</text>\n";
  }
  // Edges under nodes.
  for (int v : nodes) {
    auto deps = g.Deps(v);
    for (size_t k = 0; k < deps.size(); ++k) {
      const Edge& e = deps[k];
      const int d = e.other;
      if (!sel[d]) continue;
      Health hv = HealthOf(o, v), hd = HealthOf(o, d);
      std::string color = "#80868b", marker = "a-ok", wdt = "1.2";
      if (hv == Health::kFailed && (hd == Health::kFailed || lost[d]) && e.kind == EdgeKind::kHard) {
        color = "#b00020";
        marker = "a-failed";
        wdt = "2.2";
      } else if (hv == Health::kDegraded && (hd != Health::kOk || lost[d])) {
        color = "#b58100";
        marker = "a-degraded";
        wdt = "1.8";
      }
      std::string path;
      if (!back[v][k] && layer[d] > layer[v]) {
        const double x1 = x[v] + w[v] / 2, y1 = y[v] + kH, x2 = x[d] + w[d] / 2, y2 = y[d];
        const double dy = (y2 - y1) / 2;
        path = "M" + Fmt("%.1f", x1) + "," + Fmt("%.1f", y1) + " C" + Fmt("%.1f", x1) + "," + Fmt("%.1f", y1 + dy) +
               " " + Fmt("%.1f", x2) + "," + Fmt("%.1f", y2 - dy) + " " + Fmt("%.1f", x2) + "," + Fmt("%.1f", y2);
      } else {
        // Cycle (back) edge: loop out on the right.
        const double x1 = x[v] + w[v], y1 = y[v] + kH / 2, x2 = x[d] + w[d], y2 = y[d] + kH / 2;
        path = "M" + Fmt("%.1f", x1) + "," + Fmt("%.1f", y1) + " C" + Fmt("%.1f", x1 + 70) + "," + Fmt("%.1f", y1) +
               " " + Fmt("%.1f", x2 + 70) + "," + Fmt("%.1f", y2) + " " + Fmt("%.1f", x2) + "," + Fmt("%.1f", y2);
      }
      out += "<path d=\"" + path + "\" fill=\"none\" stroke=\"" + color + "\" stroke-width=\"" + wdt + "\"" +
             (e.kind == EdgeKind::kSoft ? " stroke-dasharray=\"6 4\"" : "") + " marker-end=\"url(#" + marker +
             ")\"><title>" + Xml(g.node(v).id + " -> " + g.node(d).id +
                                 (e.kind == EdgeKind::kSoft ? " (soft)" : " (hard)")) +
             "</title></path>\n";
    }
  }
  for (int v : nodes) {
    const Node& s = g.node(v);
    Style st = StyleOf(HealthOf(o, v), lost[v]);
    std::string health = lost[v] ? "lost" : std::string(HealthName(HealthOf(o, v)));
    out += "<g class=\"node " + health + "\" id=\"svc-" + Xml(s.id) + "\"><title>" +
           Xml(s.name + " (" + health + ", tier " + std::to_string(s.tier) +
               (s.customer_facing ? ", customer-facing" : "") + ")") +
           "</title>";
    if (s.customer_facing)
      out += "<rect x=\"" + Fmt("%.1f", x[v] - 4) + "\" y=\"" + Fmt("%.1f", y[v] - 4) + "\" width=\"" +
             Fmt("%.1f", w[v] + 8) + "\" height=\"" + Fmt("%.1f", kH + 8) + "\" rx=\"10\" fill=\"none\" stroke=\"" +
             st.stroke + "\" stroke-width=\"1.2\"/>";
    out += "<rect x=\"" + Fmt("%.1f", x[v]) + "\" y=\"" + Fmt("%.1f", y[v]) + "\" width=\"" + Fmt("%.1f", w[v]) +
           "\" height=\"" + Fmt("%.1f", kH) + "\" rx=\"7\" fill=\"" + st.fill + "\" stroke=\"" + st.stroke +
           "\" stroke-width=\"1.5\"/>";
    out += "<text x=\"" + Fmt("%.1f", x[v] + w[v] / 2) + "\" y=\"" + Fmt("%.1f", y[v] + 18) +
           "\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\" fill=\"" + st.text + "\">" + Xml(s.id) +
           "</text>";
    std::string sub = "tier " + std::to_string(s.tier);
    if (s.HasCapacity()) sub += Fmt(" · %.0f%%", 100.0 * s.load_rps / s.Capacity());
    if (s.group >= 0) sub += " · " + g.groups()[s.group].id;
    out += "<text x=\"" + Fmt("%.1f", x[v] + w[v] / 2) + "\" y=\"" + Fmt("%.1f", y[v] + 33) +
           "\" text-anchor=\"middle\" font-size=\"10\" fill=\"" + st.text + "\">" + Xml(sub) + "</text></g>\n";
  }
  out += "</svg>\n";
  return out;
}

}  // namespace firebreak::graph
