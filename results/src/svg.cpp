#include "remedi/results/svg.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace remedi::results::svg {

std::string escape(const std::string& s) {
  std::string o;
  o.reserve(s.size());
  for (char ch : s) {
    switch (ch) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      default: o += ch;
    }
  }
  return o;
}

const std::string& colour(size_t i) {
  // Okabe–Ito colour-blind-safe palette.
  static const std::vector<std::string> p = {"#0072B2", "#E69F00", "#009E73", "#CC79A7",
                                             "#56B4E9", "#D55E00", "#F0E442", "#000000"};
  return p[i % p.size()];
}

static std::string open_svg(int w, int h, const std::string& title) {
  return fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\" font-size=\"11\" role=\"img\"><title>{2}</title>"
      "<text x=\"{3}\" y=\"16\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">{2}</text>",
      w, h, escape(title), w / 2);
}

static std::string legend(const std::vector<Series>& series, int x, int y) {
  std::string s;
  for (size_t i = 0; i < series.size(); ++i) {
    int yy = y + static_cast<int>(i) * 14;
    s += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/>"
                     "<text x=\"{}\" y=\"{}\">{}</text>",
                     x, yy, colour(i), x + 14, yy + 9, escape(series[i].name));
  }
  return s;
}

// A "nice" axis maximum: 1, 2 or 5 times a power of ten, at least v.
static double nice_max(double v) {
  if (v <= 0) return 1;
  double p = std::pow(10.0, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= v) return m * p;
  return 10 * p;
}

std::string bar_chart(const std::string& title, const std::vector<std::string>& categories,
                      const std::vector<Series>& series, const std::string& y_unit, double y_max, int width,
                      int height) {
  const int left = 50, right = 150, top = 28, bottom = 40;
  const int pw = width - left - right, ph = height - top - bottom;
  double mx = 0;
  for (const auto& s : series)
    for (double v : s.values)
      if (std::isfinite(v)) mx = std::max(mx, v);
  const double ymax = y_max > 0 ? y_max : nice_max(mx);
  std::string o = open_svg(width, height, title);
  for (int i = 0; i <= 4; ++i) {  // grid and y ticks
    double v = ymax * i / 4;
    int y = top + ph - static_cast<int>(ph * i / 4.0);
    o += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"#ddd\"/>"
                     "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{:.3g}</text>",
                     left, left + pw, y, y, left - 4, y + 4, v);
  }
  o += fmt::format("<text x=\"12\" y=\"{}\" transform=\"rotate(-90 12 {})\" text-anchor=\"middle\">{}</text>",
                   top + ph / 2, top + ph / 2, escape(y_unit));
  const size_t nc = std::max<size_t>(1, categories.size()), ns = std::max<size_t>(1, series.size());
  const double gw = static_cast<double>(pw) / nc, bw = gw * 0.8 / ns;
  for (size_t c = 0; c < categories.size(); ++c) {
    double gx = left + c * gw + gw * 0.1;
    for (size_t s = 0; s < series.size(); ++s) {
      double v = c < series[s].values.size() ? series[s].values[c] : NAN;
      if (!std::isfinite(v)) continue;
      double h = ph * std::min(1.0, v / ymax);
      o += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\">"
                       "<title>{}: {:.4g}</title></rect>",
                       gx + s * bw, top + ph - h, std::max(1.0, bw - 1), h, colour(s), escape(series[s].name), v);
    }
    o += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>", left + c * gw + gw / 2,
                     top + ph + 14, escape(categories[c]));
  }
  o += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"#333\"/>", left, left + pw, top + ph,
                   top + ph);
  o += legend(series, left + pw + 12, top + 4);
  return o + "</svg>";
}

std::string radar_chart(const std::string& title, const std::vector<std::string>& axes,
                        const std::vector<Series>& series, int size) {
  const int w = size + 160;
  std::string o = open_svg(w, size, title);
  if (axes.size() < 3) {
    o += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#666\">radar needs 3 or more "
                     "tasks ({} in this report)</text>",
                     w / 2, size / 2, axes.size());
    return o + "</svg>";
  }
  const double cx = size / 2.0, cy = size / 2.0 + 10, r = size / 2.0 - 60;
  const size_t n = axes.size();
  auto pt = [&](size_t i, double f) {
    double ang = -M_PI / 2 + 2 * M_PI * i / n;  // first axis straight up, clockwise
    return std::pair<double, double>{cx + r * f * std::cos(ang), cy + r * f * std::sin(ang)};
  };
  for (double ring : {0.25, 0.5, 0.75, 1.0}) {
    std::string pts;
    for (size_t i = 0; i < n; ++i) {
      auto [x, y] = pt(i, ring);
      pts += fmt::format("{:.1f},{:.1f} ", x, y);
    }
    o += fmt::format("<polygon points=\"{}\" fill=\"none\" stroke=\"#ddd\"/>", pts);
    auto [lx, ly] = pt(0, ring);
    o += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" fill=\"#999\">{:g}%</text>", lx + 3, ly, ring * 100);
  }
  for (size_t i = 0; i < n; ++i) {
    auto [x, y] = pt(i, 1.0);
    auto [tx, ty] = pt(i, 1.13);
    o += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#ccc\"/>"
                     "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>",
                     cx, cy, x, y, tx, ty + 4, escape(axes[i]));
  }
  for (size_t s = 0; s < series.size(); ++s) {
    std::string pts;
    for (size_t i = 0; i < n; ++i) {
      double v = i < series[s].values.size() && std::isfinite(series[s].values[i]) ? series[s].values[i] : 0.0;
      auto [x, y] = pt(i, std::clamp(v, 0.0, 1.0));
      pts += fmt::format("{:.1f},{:.1f} ", x, y);
    }
    o += fmt::format("<polygon points=\"{}\" fill=\"{}\" fill-opacity=\"0.15\" stroke=\"{}\" stroke-width=\"2\">"
                     "<title>{}</title></polygon>",
                     pts, colour(s), colour(s), escape(series[s].name));
    // A dot per vertex keeps a series visible when its values are 0 (the polygon collapses).
    for (size_t i = 0; i < n; ++i) {
      double v = i < series[s].values.size() && std::isfinite(series[s].values[i]) ? series[s].values[i] : 0.0;
      auto [x, y] = pt(i, std::clamp(v, 0.0, 1.0));
      o += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\"><title>{} {}: {:.1f}%</title></circle>",
                       x, y, colour(s), escape(series[s].name), escape(axes[i]), 100 * v);
    }
  }
  o += legend(series, size + 10, 40);
  return o + "</svg>";
}

std::string histogram(const std::string& title, const std::vector<int>& edges, const std::vector<int>& counts,
                      const std::string& x_label, size_t ci, int width, int height) {
  const int left = 40, right = 10, top = 28, bottom = 40;
  const int pw = width - left - right, ph = height - top - bottom;
  std::string o = open_svg(width, height, title);
  if (counts.empty() || edges.size() != counts.size() + 1) return o + "</svg>";
  const double ymax = nice_max(*std::max_element(counts.begin(), counts.end()));
  const double bw = static_cast<double>(pw) / counts.size();
  for (size_t i = 0; i < counts.size(); ++i) {
    double h = ph * counts[i] / ymax;
    o += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\">"
                     "<title>[{}, {}): {}</title></rect>",
                     left + i * bw, top + ph - h, bw - 1, h, colour(ci), edges[i], edges[i + 1], counts[i]);
    o += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>", left + i * bw, top + ph + 12,
                     edges[i]);
  }
  o += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", left + pw, top + ph + 12,
                   edges.back());
  o += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", left + pw / 2, height - 6,
                   escape(x_label));
  o += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{:g}</text><text x=\"{}\" y=\"{}\" "
                   "text-anchor=\"end\">0</text>",
                   left - 4, top + 4, ymax, left - 4, top + ph);
  o += fmt::format("<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"#333\"/>", left, left + pw, top + ph,
                   top + ph);
  return o + "</svg>";
}

}  // namespace remedi::results::svg
