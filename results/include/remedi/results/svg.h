// Inline SVG charts for the self-contained HTML report: no scripts, no fonts, no network; every
// chart is a string that can be pasted into HTML as is. Colours come from one fixed palette so run
// i has the same colour in every chart of a report.
#pragma once
#include <string>
#include <vector>

namespace remedi::results::svg {

std::string escape(const std::string& s);  // &, <, >, " -> entities (text and attribute values)
const std::string& colour(size_t series);  // palette entry, cycling

struct Series {
  std::string name;            // legend text (a run label)
  std::vector<double> values;  // one per category / axis; NaN = absent (not drawn)
};

// Grouped vertical bars: one group per category, one bar per series. y from 0 to max (auto if 0).
std::string bar_chart(const std::string& title, const std::vector<std::string>& categories,
                      const std::vector<Series>& series, const std::string& y_unit, double y_max = 0,
                      int width = 640, int height = 300);

// Radar (spider) chart: one axis per label, radius 0..1 (values are fractions), one polygon per
// series. Needs at least 3 axes; with fewer it draws a note instead.
std::string radar_chart(const std::string& title, const std::vector<std::string>& axes,
                        const std::vector<Series>& series, int size = 420);

// Histogram from integer bin edges (edges.size() == counts.size() + 1) for one series.
std::string histogram(const std::string& title, const std::vector<int>& edges, const std::vector<int>& counts,
                      const std::string& x_label, size_t colour_index = 0, int width = 420, int height = 240);

}  // namespace remedi::results::svg
