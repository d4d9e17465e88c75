#pragma once
// Interactive flame graphs of a Profile, self-contained (inline script and
// style, nothing fetched): click a frame to zoom into it, search by regular
// expression (matches highlighted, their share of all samples shown), hover
// for function, file:line, samples and share. The frames are laid out here,
// so the graph reads without scripts too.
//
// The differential graph draws the current profile's frames (widths) coloured
// by the change of each frame's share of all samples from base to current,
// each profile normalised by its own total: grown red, shrunk blue, and grey
// where the change is within sampling noise (two-proportion z-test,
// Bonferroni over the frames drawn).

#include <string>
#include <string_view>

#include "vigil/reports/profile.hpp"

namespace vigil::reports {

// Whole documents: an HTML page, or an SVG file (search through a prompt).
std::string render_flame_graph_html(const Profile& p, std::string_view title);
std::string render_flame_graph_svg(const Profile& p, std::string_view title);
std::string render_differential_flame_graph_html(const Profile& base, const Profile& current, std::string_view title);
std::string render_differential_flame_graph_svg(const Profile& base, const Profile& current, std::string_view title);

// For pages of other renderers: a search box and the inline graph, under
// `id` (unique in the page; letters, digits, '-' and '_').
std::string flame_graph_fragment(const Profile& p, std::string_view id, std::string_view title);
std::string differential_flame_graph_fragment(const Profile& base, const Profile& current, std::string_view id,
                                              std::string_view title);

}  // namespace vigil::reports
