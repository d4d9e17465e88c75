#include "vigil/reports/render.hpp"

namespace vigil::reports {

std::optional<RenderFormat> parse_render_format(const std::string& name) {
  if (name == "markdown" || name == "md") return RenderFormat::Markdown;
  if (name == "html") return RenderFormat::Html;
  if (name == "junit") return RenderFormat::Junit;
  return std::nullopt;
}

std::string render(const Report& r, RenderFormat format) {
  switch (format) {
    case RenderFormat::Markdown: return render_markdown(r);
    case RenderFormat::Html: return render_html(r);
    case RenderFormat::Junit: return render_junit(r);
  }
  return {};
}

std::string render(const DiffResult& d, RenderFormat format) {
  switch (format) {
    case RenderFormat::Markdown: return render_markdown(d);
    case RenderFormat::Html: return render_html(d);
    case RenderFormat::Junit: return render_junit(d);
  }
  return {};
}

}  // namespace vigil::reports
