// pprof's profile.proto (github.com/google/pprof, proto/profile.proto),
// encoded by hand: the handful of messages a CPU profile needs do not
// justify a protobuf dependency.
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "vigil/reports/profile_io.hpp"
#include "vigil/reports/profile_shares.hpp"
#include "vigil/reports/report.hpp"

namespace vigil::reports {

namespace {

// Field numbers of profile.proto.
enum ProfileField : int { kSampleType = 1, kSample = 2, kMapping = 3, kLocation = 4, kFunction = 5,
                          kStringTable = 6, kPeriodType = 11, kPeriod = 12 };
enum ValueTypeField : int { kValueTypeType = 1, kValueTypeUnit = 2 };
enum SampleField : int { kSampleLocationId = 1, kSampleValue = 2 };
enum MappingField : int { kMappingId = 1, kMappingLimit = 3, kMappingFilename = 5,
                          kMappingHasFunctions = 7, kMappingHasFilenames = 8, kMappingHasLineNumbers = 9,
                          kMappingHasInlineFrames = 10 };
enum LocationField : int { kLocationId = 1, kLocationMappingId = 2, kLocationAddress = 3, kLocationLine = 4 };
enum LineField : int { kLineFunctionId = 1, kLineLine = 2 };
enum FunctionField : int { kFunctionId = 1, kFunctionName = 2, kFunctionSystemName = 3, kFunctionFilename = 4 };

// Protobuf wire format: varints (wire type 0) and length-delimited fields
// (wire type 2) are all these messages use.
class Message {
 public:
  void varint(int field, std::uint64_t v) {
    key(field, 0);
    raw_varint(v);
  }
  void varint_if(int field, std::uint64_t v) {
    if (v != 0) varint(field, v);
  }
  void bytes(int field, std::string_view data) {
    key(field, 2);
    raw_varint(data.size());
    out_.append(data);
  }
  void message(int field, const Message& m) { bytes(field, m.out_); }
  void packed(int field, const std::vector<std::uint64_t>& values) {
    Message body;
    for (auto v : values) body.raw_varint(v);
    bytes(field, body.out_);
  }
  const std::string& data() const { return out_; }

 private:
  void key(int field, int wire_type) { raw_varint(static_cast<std::uint64_t>(field) << 3 | wire_type); }
  void raw_varint(std::uint64_t v) {
    while (v >= 0x80) {
      out_ += static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    out_ += static_cast<char>(v);
  }
  std::string out_;
};

class StringTable {
 public:
  std::uint64_t operator()(const std::string& s) {
    auto [it, inserted] = index_.try_emplace(s, strings_.size());
    if (inserted) strings_.push_back(s);
    return it->second;
  }
  const std::vector<std::string>& strings() const { return strings_; }

 private:
  std::vector<std::string> strings_{""};  // index 0 is the empty string, as pprof requires
  std::map<std::string, std::uint64_t> index_{{"", 0}};
};

struct MappingInfo {
  std::uint64_t id = 0;
  std::uint64_t limit = 0;
  bool files = false, lines = false, inlines = false;
};

std::string gzip(const std::string& data) {
  z_stream zs{};
  // windowBits 15 + 16: a gzip header and trailer around the deflate stream.
  if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw ReportError("gzip: zlib could not start a deflate stream");
  }
  std::string out(deflateBound(&zs, data.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  const auto written = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw ReportError(fmt::format("gzip: zlib deflate failed ({})", rc));
  out.resize(written);
  return out;
}

// Builds the messages of one profile: functions, locations and mappings are
// numbered as first met, and written once each.
class PprofEncoder {
 public:
  explicit PprofEncoder(std::uint64_t period_ns) : period_ns_(period_ns) {
    head_.message(kSampleType, value_type("samples", "count"));
    head_.message(kSampleType, value_type("cpu", "nanoseconds"));
  }

  void add_sample(const ProfileStack& s) {
    std::vector<std::uint64_t> ids;
    std::vector<const Frame*> group;
    for (const auto& f : s.frames) {
      if (!f.inlined && !group.empty()) {
        ids.push_back(location_id(group));
        group.clear();
      }
      group.push_back(&f);
    }
    ids.push_back(location_id(group));
    std::reverse(ids.begin(), ids.end());  // pprof lists the leaf first
    Message sample;
    sample.packed(kSampleLocationId, ids);
    sample.packed(kSampleValue, {s.samples, s.samples * period_ns_});
    samples_.message(kSample, sample);
  }

  // The whole Profile message, its fields in profile.proto's order.
  std::string finish() {
    const std::string mappings = mappings_message().data();
    Message tail;
    tail.message(kPeriodType, value_type("cpu", "nanoseconds"));
    tail.varint_if(kPeriod, period_ns_);
    Message string_table;
    for (const auto& s : strings_.strings()) string_table.bytes(kStringTable, s);
    return head_.data() + samples_.data() + mappings + locations_.data() + functions_.data() + tail.data() +
           string_table.data();
  }

 private:
  Message value_type(const char* type, const char* unit) {
    Message m;
    m.varint(kValueTypeType, strings_(type));
    m.varint(kValueTypeUnit, strings_(unit));
    return m;
  }

  std::uint64_t function_id(const Frame& f) {
    const std::string name = frame_name(f);
    auto [it, inserted] = function_ids_.try_emplace({name, f.file}, function_ids_.size() + 1);
    if (inserted) {
      Message m;
      m.varint(kFunctionId, it->second);
      m.varint_if(kFunctionName, strings_(name));
      m.varint_if(kFunctionSystemName, strings_(name));
      m.varint_if(kFunctionFilename, strings_(f.file));
      functions_.message(kFunction, m);
    }
    return it->second;
  }

  // A machine frame and the frames inlined into it (which follow it,
  // outermost first) are one Location; its Lines go innermost first.
  std::uint64_t location_id(const std::vector<const Frame*>& group) {
    std::string key;
    for (const Frame* f : group) {
      key += fmt::format("{}\x1f{}\x1f{}\x1f{}\x1f{}\x1e", f->function, f->file, f->line, f->module, f->offset);
    }
    auto [it, inserted] = location_ids_.try_emplace(key, location_ids_.size() + 1);
    if (!inserted) return it->second;
    const Frame& machine = *group.front();
    Message m;
    m.varint(kLocationId, it->second);
    if (!machine.module.empty()) m.varint(kLocationMappingId, note_mapping(group));
    m.varint_if(kLocationAddress, machine.offset);
    for (auto f = group.rbegin(); f != group.rend(); ++f) {
      Message line;
      line.varint(kLineFunctionId, function_id(**f));
      line.varint_if(kLineLine, static_cast<std::uint64_t>(std::max((*f)->line, 0)));
      m.message(kLocationLine, line);
    }
    locations_.message(kLocation, m);
    return it->second;
  }

  // The mapping of the group's module, widened to cover it; its id.
  std::uint64_t note_mapping(const std::vector<const Frame*>& group) {
    const Frame& machine = *group.front();
    MappingInfo& mapping = mappings_[machine.module];
    if (mapping.id == 0) mapping.id = mappings_.size();
    mapping.limit = std::max(mapping.limit, machine.offset + 1);
    for (const Frame* f : group) {
      mapping.files |= !f->file.empty();
      mapping.lines |= f->line > 0;
    }
    mapping.inlines |= group.size() > 1;
    return mapping.id;
  }

  // The mappings, in the order of their ids.
  Message mappings_message() {
    std::vector<std::pair<std::uint64_t, const std::string*>> by_id;
    for (const auto& [module, info] : mappings_) by_id.emplace_back(info.id, &module);
    std::sort(by_id.begin(), by_id.end());
    Message out;
    for (const auto& [id, module] : by_id) {
      const MappingInfo& info = mappings_.at(*module);
      Message m;
      m.varint(kMappingId, id);
      m.varint(kMappingLimit, info.limit);
      m.varint(kMappingFilename, strings_(*module));
      m.varint(kMappingHasFunctions, 1);
      m.varint_if(kMappingHasFilenames, info.files);
      m.varint_if(kMappingHasLineNumbers, info.lines);
      m.varint_if(kMappingHasInlineFrames, info.inlines);
      out.message(kMapping, m);
    }
    return out;
  }

  std::uint64_t period_ns_;
  StringTable strings_;
  std::map<std::string, MappingInfo> mappings_;                              // by module
  std::map<std::pair<std::string, std::string>, std::uint64_t> function_ids_;  // (name, file) -> id
  std::map<std::string, std::uint64_t> location_ids_;                        // frames of a location, keyed
  Message head_, samples_, locations_, functions_;
};

}  // namespace

std::string to_pprof_gz(const Profile& p) {
  const double period_ns = std::isfinite(p.period_seconds) ? std::round(p.period_seconds * 1e9) : 0;
  PprofEncoder encoder(static_cast<std::uint64_t>(std::max(0.0, period_ns)));
  for (const auto& s : p.stacks) {
    if (!s.frames.empty() && s.samples != 0) encoder.add_sample(s);
  }
  return gzip(encoder.finish());
}

}  // namespace vigil::reports
