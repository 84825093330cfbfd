// File helpers with the durability the run records need.
#pragma once
#include <string>

namespace remedi {

std::string read_file(const std::string& path);                        // throws remedi::Error
void write_file_atomic(const std::string& path, const std::string& data);  // tmp + fsync + rename
// Appends data and fsyncs before returning: after it returns the bytes survive kill -9.
void append_durable(const std::string& path, const std::string& data);
bool file_exists(const std::string& path);
void make_dirs(const std::string& path);                               // mkdir -p; throws

}  // namespace remedi
