#pragma once
// A reader of gzipped profile.proto written for the tests alone, from the
// field numbers of pprof's proto/profile.proto: it checks what to_pprof_gz
// wrote without sharing any of its code.

#include <zlib.h>

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::reports::test {

inline std::string gunzip(const std::string& data) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) throw std::runtime_error("inflateInit2");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buffer[16384];
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buffer);
    zs.avail_out = sizeof buffer;
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - zs.avail_out);
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) throw std::runtime_error("not a complete gzip stream");
  return out;
}

// Fields of one message: number -> values (varints as numbers, length-
// delimited ones as bytes).
struct Fields {
  std::multimap<int, std::uint64_t> varints;
  std::multimap<int, std::string> bytes;

  std::uint64_t varint(int field) const {
    auto it = varints.find(field);
    return it == varints.end() ? 0 : it->second;
  }
  std::vector<std::string> all_bytes(int field) const {
    std::vector<std::string> out;
    for (auto [it, end] = bytes.equal_range(field); it != end; ++it) out.push_back(it->second);
    return out;
  }
};

inline std::uint64_t read_varint(std::string_view& in) {
  std::uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in.empty()) throw std::runtime_error("truncated varint");
    const auto byte = static_cast<unsigned char>(in.front());
    in.remove_prefix(1);
    v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return v;
  }
  throw std::runtime_error("varint too long");
}

inline Fields read_message(std::string_view in) {
  Fields f;
  while (!in.empty()) {
    const std::uint64_t key = read_varint(in);
    const int field = static_cast<int>(key >> 3);
    switch (key & 7) {
      case 0: f.varints.emplace(field, read_varint(in)); break;
      case 2: {
        const std::uint64_t n = read_varint(in);
        if (n > in.size()) throw std::runtime_error("truncated bytes field");
        f.bytes.emplace(field, std::string(in.substr(0, n)));
        in.remove_prefix(n);
        break;
      }
      default: throw std::runtime_error("unexpected wire type");
    }
  }
  return f;
}

inline std::vector<std::uint64_t> read_packed(std::string_view in) {
  std::vector<std::uint64_t> out;
  while (!in.empty()) out.push_back(read_varint(in));
  return out;
}

struct PprofSample {
  std::vector<std::string> functions;  // leaf first, inlined frames expanded
  std::vector<std::uint64_t> values;
};

struct Pprof {
  std::vector<std::string> strings;
  std::vector<std::pair<std::string, std::string>> sample_types;
  std::pair<std::string, std::string> period_type;
  std::uint64_t period = 0;
  std::vector<PprofSample> samples;
  std::vector<std::string> mapping_files;
  std::map<std::uint64_t, std::string> function_files;  // function id -> file
  std::vector<std::vector<std::int64_t>> location_lines;  // each location's lines, innermost first
};

// Decodes the profile and resolves every sample to function names.
inline Pprof read_pprof(const std::string& gz) {
  const Fields profile = read_message(gunzip(gz));
  Pprof p;
  p.strings = profile.all_bytes(6);
  if (p.strings.empty() || !p.strings[0].empty()) throw std::runtime_error("string table must start with \"\"");
  auto str = [&p](std::uint64_t i) {
    if (i >= p.strings.size()) throw std::runtime_error("string index out of range");
    return p.strings[i];
  };
  for (const auto& vt : profile.all_bytes(1)) {
    const Fields f = read_message(vt);
    p.sample_types.emplace_back(str(f.varint(1)), str(f.varint(2)));
  }
  if (auto pt = profile.all_bytes(11); !pt.empty()) {
    const Fields f = read_message(pt[0]);
    p.period_type = {str(f.varint(1)), str(f.varint(2))};
  }
  p.period = profile.varint(12);
  std::map<std::uint64_t, std::string> function_names;
  for (const auto& fn : profile.all_bytes(5)) {
    const Fields f = read_message(fn);
    if (f.varint(1) == 0) throw std::runtime_error("function id 0");
    function_names[f.varint(1)] = str(f.varint(2));
    p.function_files[f.varint(1)] = str(f.varint(4));
  }
  std::map<std::uint64_t, std::uint64_t> mapping_ids;
  for (const auto& m : profile.all_bytes(3)) {
    const Fields f = read_message(m);
    mapping_ids[f.varint(1)] = p.mapping_files.size();
    p.mapping_files.push_back(str(f.varint(5)));
  }
  std::map<std::uint64_t, std::vector<std::string>> locations;  // id -> names, innermost first
  for (const auto& l : profile.all_bytes(4)) {
    const Fields f = read_message(l);
    if (f.varint(2) != 0 && !mapping_ids.count(f.varint(2))) throw std::runtime_error("unknown mapping id");
    std::vector<std::string> names;
    std::vector<std::int64_t> lines;
    for (const auto& line : f.all_bytes(4)) {
      const Fields lf = read_message(line);
      if (!function_names.count(lf.varint(1))) throw std::runtime_error("unknown function id");
      names.push_back(function_names[lf.varint(1)]);
      lines.push_back(static_cast<std::int64_t>(lf.varint(2)));
    }
    locations[f.varint(1)] = names;
    p.location_lines.push_back(lines);
  }
  for (const auto& s : profile.all_bytes(2)) {
    const Fields f = read_message(s);
    PprofSample sample;
    for (auto id : read_packed(f.all_bytes(1).at(0))) {
      if (!locations.count(id)) throw std::runtime_error("unknown location id");
      for (const auto& name : locations[id]) sample.functions.push_back(name);
    }
    sample.values = read_packed(f.all_bytes(2).at(0));
    p.samples.push_back(sample);
  }
  return p;
}

}  // namespace vigil::reports::test
