#include "sim/report_sections.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sim/report_svg.h"

namespace orbitfl::sim::report_internal {

std::string Card(absl::string_view id, absl::string_view title,
                 absl::string_view caption, absl::string_view body, bool wide) {
  return absl::StrCat("<section class=\"card", wide ? " wide" : "", "\" id=\"",
                      id, "\"><h2>", Esc(title), "</h2>",
                      caption.empty() ? "" : "<p class=\"caption\">", caption,
                      caption.empty() ? "" : "</p>", body, "</section>\n");
}

std::string Note(absl::string_view text) {
  return absl::StrCat("<p class=\"note\">", text, "</p>");
}

std::string LegendItem(absl::string_view colour, absl::string_view label,
                       bool line) {
  return absl::StrCat("<span><i class=\"sw", line ? " line" : "",
                      "\" style=\"background:", colour, "\"></i>", label,
                      "</span>");
}

std::string Legend(const std::vector<std::string>& items) {
  return absl::StrCat("<div class=\"legend\">", absl::StrJoin(items, ""),
                      "</div>");
}

bool AnyHas(const std::vector<RunData>& runs, bool RunData::*has) {
  for (const RunData& run : runs) {
    if (run.*has) return true;
  }
  return false;
}

std::string MissingNote(const std::vector<RunData>& runs, bool RunData::*has,
                        absl::string_view file, absl::string_view what) {
  std::vector<std::string> missing;
  for (const RunData& run : runs) {
    if (!(run.*has))
      missing.push_back(absl::StrCat("<b>", Esc(run.label), "</b>"));
  }
  if (missing.empty()) return "";
  return Note(absl::StrCat(absl::StrJoin(missing, ", "), " ",
                           missing.size() == 1 ? "has" : "have", " no ", file,
                           " (an older run directory): ", what, "."));
}

}  // namespace orbitfl::sim::report_internal
