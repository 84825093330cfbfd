// Small string helpers shared by every module.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace remedi {

std::vector<std::string> split(std::string_view s, char sep);
std::string trim(std::string_view s);                       // ASCII whitespace both ends
std::string join(const std::vector<std::string>& v, std::string_view sep);
bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);
std::string to_lower(std::string_view s);                   // ASCII only
std::string replace_all(std::string s, std::string_view from, std::string_view to);

}  // namespace remedi
