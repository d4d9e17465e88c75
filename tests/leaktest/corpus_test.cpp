// End-to-end on the corpus (corpus/*.cpp): small programs written the way
// services are written, half leaky, half clean, each run through
// `vigil-leak-test -- PROGRAM` (external mode, snapshots by vigil_cycle()).
// A leaky program must be flagged with a growth finding of the expected
// shape naming its allocating function; a clean one must be clean, with no
// too-short warning either. Each runs at its own length and at a longer one.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "leak_test_run.hpp"

namespace {

using vigil::reports::Finding;
using vigil::reports::Severity;
using vigil::test::describe;
using vigil::test::LeakTestRun;
using vigil::test::stack_names;

struct CorpusCase {
  const char* program;
  const char* allocating_function;  // nullptr: the program does not leak
  const char* shape;                // of the growth finding naming it
};

const CorpusCase kLeaky[] = {
    {"recent_requests", "remember_request", "doubling"},
    {"session_store", "SessionStore::open_session", "steady"},
    {"idempotency_filter", "IdempotencyFilter::rehash", "doubling"},
    {"header_arena", "Arena::add_chunk", "steps"},
    {"audit_trail", "AuditTrail::append", "steady"},
    {"metrics_labels", "Registry::counter", "steady"},
    {"upload_error_path", "handle_upload", "steady"},
};

const char* const kClean[] = {
    "profile_lru", "page_cache", "access_log_batches", "route_table_reload",
    "buffer_pool_warmup", "peer_names", "rate_limiter",
};

// Each program at the length it sets itself, then at 150 cycles.
const std::vector<std::vector<std::string>> kLengths = {{}, {"150"}};

class Corpus : public ::testing::Test {
 protected:
  LeakTestRun run(const std::string& program, const std::vector<std::string>& program_args) {
    std::vector<std::string> args = {"--", std::string(VIGIL_LEAK_CORPUS_DIR) + "/" + program};
    args.insert(args.end(), program_args.begin(), program_args.end());
    return vigil::test::run_leak_test(args, dir_);
  }
  vigil::test::ScratchDir dir_{"vigil-corpus"};
};

std::vector<const Finding*> growth_findings(const vigil::reports::Report& r, Severity severity) {
  std::vector<const Finding*> out;
  for (const Finding& f : r.findings) {
    if (f.kind == "leak" && f.severity == severity && f.extra.contains("fit")) out.push_back(&f);
  }
  return out;
}

TEST_F(Corpus, LeakyProgramsAreFlaggedNamingTheAllocatingFunction) {
  for (const CorpusCase& c : kLeaky) {
    for (const auto& length : kLengths) {
      const std::string label = std::string(c.program) + (length.empty() ? "" : " " + length[0]);
      const LeakTestRun r = run(c.program, length);
      ASSERT_TRUE(r.report) << label << "\n" << describe(r);
      EXPECT_EQ(r.exit_code, 1) << label << "\n" << describe(r);
      EXPECT_EQ(r.report->config.at("snapshot_trigger"), "cycle") << label;
      // A program may leak at several sites (a map's nodes and its bucket
      // array): one growth finding names the function with the shape expected.
      const Finding* named = nullptr;
      std::string shapes;
      for (const Finding* f : growth_findings(*r.report, Severity::Error)) {
        if (!stack_names(*f, c.allocating_function)) continue;
        shapes += f->extra.at("shape").get<std::string>() + " ";
        if (f->extra.at("shape") == c.shape) named = f;
      }
      ASSERT_NE(named, nullptr) << label << " should name " << c.allocating_function << " growing " << c.shape
                                << " (named, growing: " << shapes << ")\n" << describe(r);
      EXPECT_NE(named->message.find(c.allocating_function), std::string::npos) << named->message;
      EXPECT_NE(r.out.find(c.allocating_function), std::string::npos) << label << "\n" << r.out;  // in the summary
    }
  }
}

TEST_F(Corpus, CleanProgramsAreClean) {
  for (const char* program : kClean) {
    for (const auto& length : kLengths) {
      const std::string label = std::string(program) + (length.empty() ? "" : " " + length[0]);
      const LeakTestRun r = run(program, length);
      ASSERT_TRUE(r.report) << label << "\n" << describe(r);
      EXPECT_EQ(r.exit_code, 0) << label << "\n" << describe(r);
      EXPECT_EQ(r.report->config.at("snapshot_trigger"), "cycle") << label;
      EXPECT_TRUE(growth_findings(*r.report, Severity::Error).empty()) << label << "\n" << describe(r);
      EXPECT_TRUE(growth_findings(*r.report, Severity::Warning).empty()) << label << "\n" << describe(r);
      EXPECT_EQ(r.report->metrics.at("leak.unreachable_bytes").value, 0.0) << label;
    }
  }
}

}  // namespace
