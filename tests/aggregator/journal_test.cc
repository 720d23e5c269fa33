// The aggregator's journal: what it acknowledged survives a restart, a
// restarted aggregator replays into the same state (nothing lost, nothing
// applied twice), a retried tick is not a second tick, and a torn tail is
// cut off.

#include "aggregator/journal.h"

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "aggregator/aggregator.h"
#include "aggregator/fedavg.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/crc32c.h"
#include "proto/tensor_util.h"
#include "tests/aggregator/models.h"
#include "tests/status_matchers.h"

namespace orbitfl::aggregator {
namespace {

using ::orbitfl::testing::Chunk;
using ::orbitfl::testing::IsOk;
using ::orbitfl::testing::kStart;
using ::orbitfl::testing::TinyDelta;
using ::orbitfl::testing::TinyModel;

std::string JournalPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
  std::remove(path.c_str());
  return path;
}

// FedAvg over 2 satellites, the tiny model, journaled at `journal`.
AggregatorOptions Options(const std::string& journal,
                          int64_t snapshot_every_ticks) {
  AggregatorOptions o;
  o.initial = TinyModel({0, 0, 0, 0}, 0);
  o.start = kStart;
  o.journal_path = journal;
  o.snapshot_every_ticks = snapshot_every_ticks;
  return o;
}

FedAvgOptions TwoSatellites() {
  FedAvgOptions f;
  f.expected_participants = 2;
  return f;
}

std::unique_ptr<Aggregator> Make(const std::string& journal,
                                 int64_t snapshot_every_ticks = 0) {
  auto a = Aggregator::Create(Options(journal, snapshot_every_ticks),
                              *FedAvg::Create(TwoSatellites()));
  EXPECT_THAT(a, IsOk());
  return a.ok() ? std::move(a).value() : nullptr;
}

std::string Bytes(const std::string& satellite, std::vector<float> d) {
  return TinyDelta(satellite, 0, 5, d).SerializeAsString();
}

TEST(JournalTest, ARestartedAggregatorKeepsWhatItAcknowledged) {
  const std::string path = JournalPath("restart.journal");
  const std::string a = Bytes("a", {1, 2, 3, 4});
  const std::string b = Bytes("b", {3, 2, 1, 0});
  const int64_t half = static_cast<int64_t>(b.size()) / 2;
  {
    auto agg = Make(path);
    ASSERT_THAT(agg->ReceiveChunk(Chunk(a, 0, a.size(), "a")), IsOk());
    EXPECT_TRUE(agg->FinishUpload("a@v0").accepted());
    ASSERT_THAT(agg->Tick(kStart + absl::Minutes(1), 1), IsOk());
    ASSERT_THAT(agg->ReceiveChunk(Chunk(b, 0, half, "b")), IsOk());
    EXPECT_EQ(agg->FinishUpload("b@v0").acked_bytes(), half);
    // Received but never acknowledged (the stream did not close): lost
    // with the process, and the sender resumes from `half`.
    ASSERT_THAT(agg->ReceiveChunk(Chunk(b, half, 3, "b")), IsOk());
  }  // the process dies
  auto agg = Make(path);
  EXPECT_EQ(agg->replayed(), 3);
  // a's update is applied once: sending it again is acknowledged, not
  // offered again.
  ASSERT_THAT(agg->ReceiveChunk(Chunk(a, 0, a.size(), "a")), IsOk());
  const proto::UploadAck again = agg->FinishUpload("a@v0");
  EXPECT_TRUE(again.complete());
  EXPECT_TRUE(again.accepted());
  // b resumes where the acknowledgement said.
  ASSERT_THAT(agg->ReceiveChunk(Chunk(b, half, b.size() - half, "b")), IsOk());
  EXPECT_TRUE(agg->FinishUpload("b@v0").accepted());
  auto tick = agg->Tick(kStart + absl::Minutes(2), 2);
  ASSERT_THAT(tick, IsOk());
  EXPECT_TRUE(tick->aggregated());
  EXPECT_EQ(tick->updates_applied(), 2);
  // The mean of a and b, as without a restart.
  auto model = agg->ModelBytes(0);
  ASSERT_THAT(model, IsOk());
  proto::Model global;
  ASSERT_TRUE(global.ParseFromString(*model->second));
  EXPECT_THAT(proto::ToFloats(global.tensors(0)),
              ::testing::ElementsAre(2, 2, 2, 2));
}

// Every other tick the state is snapshotted (atomically); a restart
// restores the newest snapshot and replays only the records after it, and
// goes on exactly as an aggregator that never stopped.
TEST(JournalTest, ARestartRestoresTheSnapshotThenReplaysTheRest) {
  const std::string path = JournalPath("snapshot.journal");
  std::remove((path + ".snapshot").c_str());
  // Round k: a and b each send an update on version k-1, then a tick.
  auto round = [](Aggregator& agg, int k, bool finish_b) {
    const std::string a = TinyDelta("a", k - 1, 5, {1.0f * k, 0, 0, 0})
                              .SerializeAsString();
    const std::string b = TinyDelta("b", k - 1, 5, {0, 1.0f * k, 0, 0})
                              .SerializeAsString();
    auto chunk = [k](const std::string& bytes, int64_t offset, int64_t n,
                     const std::string& sat) {
      proto::UpdateChunk c = Chunk(bytes, offset, n, sat);
      c.set_transfer_id(sat + "@v" + std::to_string(k - 1));
      c.set_base_version(k - 1);
      return c;
    };
    EXPECT_THAT(agg.ReceiveChunk(chunk(a, 0, a.size(), "a")), IsOk());
    agg.FinishUpload("a@v" + std::to_string(k - 1));
    const int64_t half = static_cast<int64_t>(b.size()) / 2;
    EXPECT_THAT(agg.ReceiveChunk(chunk(b, 0, half, "b")), IsOk());
    agg.FinishUpload("b@v" + std::to_string(k - 1));
    if (!finish_b) return proto::TickReply();
    EXPECT_THAT(agg.ReceiveChunk(chunk(b, half, b.size() - half, "b")), IsOk());
    agg.FinishUpload("b@v" + std::to_string(k - 1));
    auto tick = agg.Tick(kStart + absl::Minutes(k), k);
    EXPECT_THAT(tick, IsOk());
    return tick.ok() ? *tick : proto::TickReply();
  };
  auto never_stopped = Make("");
  std::vector<std::string> replies;
  for (int k = 1; k <= 5; ++k) {
    replies.push_back(round(*never_stopped, k, true).SerializeAsString());
  }
  {
    auto agg = Make(path, /*snapshot_every_ticks=*/2);
    for (int k = 1; k <= 3; ++k) {
      EXPECT_EQ(round(*agg, k, true).SerializeAsString(), replies[k - 1]);
    }
    round(*agg, 4, false);  // b's upload of round 4 is half in
  }  // the process dies
  {
    // The journal holds only what came since the snapshot at tick 2: it
    // was started afresh then.
    std::vector<proto::JournalRecord> since;
    auto journal = Journal::Open(path, &since);
    ASSERT_THAT(journal, IsOk());
    EXPECT_EQ((*journal)->generation(), 1);
    EXPECT_EQ(since.size(), 6u);
  }
  auto agg = Make(path, 2);
  EXPECT_EQ(agg->restored_tick(), 2);
  // Round 3's three upload records and tick, and round 4's two uploads.
  EXPECT_EQ(agg->replayed(), 6);
  EXPECT_EQ(agg->current_version(), 3);
  // Round 4 goes on: a's upload is acknowledged again, b's resumes.
  EXPECT_EQ(round(*agg, 4, true).SerializeAsString(), replies[3]);
  EXPECT_EQ(round(*agg, 5, true).SerializeAsString(), replies[4]);
  EXPECT_EQ(*agg->ModelBytes(0)->second, *never_stopped->ModelBytes(0)->second);
  EXPECT_EQ(*agg->ModelBytes(2)->second, *never_stopped->ModelBytes(2)->second);

  // A snapshot that is not one is refused, naming the file.
  agg.reset();
  {
    std::ofstream out(path + ".snapshot", std::ios::binary | std::ios::trunc);
    out << "not a snapshot";
  }
  FedAvgOptions f;
  AggregatorOptions o;
  o.initial = TinyModel({0, 0, 0, 0}, 0);
  o.start = kStart;
  o.journal_path = path;
  EXPECT_THAT(Aggregator::Create(o, *FedAvg::Create(f)),
              ::orbitfl::testing::StatusIs(absl::StatusCode::kDataLoss,
                                           "snapshot.journal.snapshot"));
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// A snapshot holds every record before it, and the journal then starts
// afresh as the next generation. An aggregator stopped between the two
// leaves the new snapshot beside the older journal: a restart knows the
// snapshot holds all of it, starts the journal afresh, and goes on as one
// that never stopped. A journal newer than its snapshot is refused.
TEST(JournalTest, StoppedBetweenTheSnapshotAndTheFreshJournal) {
  const std::string path = JournalPath("between.journal");
  std::remove((path + ".snapshot").c_str());
  std::string before_snapshot;
  const FedAvgOptions f = TwoSatellites();
  AggregatorOptions o = Options(path, /*snapshot_every_ticks=*/2);
  // The journal as it was when tick 2 was journaled, just before the
  // snapshot.
  o.after_journaled_tick = [&](int64_t ticks) {
    if (ticks == 2) before_snapshot = ReadFile(path);
  };
  auto send = [](Aggregator& agg, const std::string& sat, int64_t base,
                 float value) {
    const std::string bytes =
        TinyDelta(sat, base, 5, {value, 0, 0, 0}).SerializeAsString();
    proto::UpdateChunk c = Chunk(bytes, 0, bytes.size(), sat);
    c.set_transfer_id(sat + "@v" + std::to_string(base));
    c.set_base_version(base);
    EXPECT_THAT(agg.ReceiveChunk(c), IsOk());
    agg.FinishUpload(c.transfer_id());
  };
  std::string model_v2, reply_3;
  {
    auto agg = Aggregator::Create(o, *FedAvg::Create(f));
    ASSERT_THAT(agg, IsOk());
    send(**agg, "a", 0, 1);
    send(**agg, "b", 0, 3);
    ASSERT_THAT((*agg)->Tick(kStart + absl::Minutes(1), 1), IsOk());
    send(**agg, "a", 1, 5);
    send(**agg, "b", 1, 7);
    ASSERT_THAT((*agg)->Tick(kStart + absl::Minutes(2), 2), IsOk());
    send(**agg, "a", 2, 2);
    send(**agg, "b", 2, 4);
    auto tick = (*agg)->Tick(kStart + absl::Minutes(3), 3);
    ASSERT_THAT(tick, IsOk());
    reply_3 = tick->SerializeAsString();
    model_v2 = *(*agg)->ModelBytes(2)->second;
  }
  ASSERT_FALSE(before_snapshot.empty());
  WriteFile(path, before_snapshot);  // tick 2's snapshot, generation 0's journal
  o.after_journaled_tick = nullptr;
  {
    auto agg = Aggregator::Create(o, *FedAvg::Create(f));
    ASSERT_THAT(agg, IsOk());
    EXPECT_EQ((*agg)->restored_tick(), 2);
    EXPECT_EQ((*agg)->replayed(), 0);
    EXPECT_EQ(*(*agg)->ModelBytes(2)->second, model_v2);
    send(**agg, "a", 2, 2);
    send(**agg, "b", 2, 4);
    auto tick = (*agg)->Tick(kStart + absl::Minutes(3), 3);
    ASSERT_THAT(tick, IsOk());
    EXPECT_EQ(tick->SerializeAsString(), reply_3);
  }
  {
    // What it journaled after the restart survives the next one.
    std::vector<proto::JournalRecord> since;
    auto journal = Journal::Open(path, &since);
    ASSERT_THAT(journal, IsOk());
    EXPECT_EQ((*journal)->generation(), 1);
    EXPECT_EQ(since.size(), 3u);
  }
  // Without its snapshot, a journal of generation 1 cannot be replayed.
  std::remove((path + ".snapshot").c_str());
  EXPECT_THAT(Aggregator::Create(o, *FedAvg::Create(f)),
              ::orbitfl::testing::StatusIs(
                  absl::StatusCode::kDataLoss,
                  "between.journal is of generation 1, newer than its "
                  "snapshot's (0)"));
}

TEST(JournalTest, ARetriedTickGetsTheSameReply) {
  const std::string path = JournalPath("retry.journal");
  auto agg = Make(path);
  const std::string a = Bytes("a", {1, 1, 1, 1});
  const std::string b = Bytes("b", {1, 1, 1, 1});
  ASSERT_THAT(agg->ReceiveChunk(Chunk(a, 0, a.size(), "a")), IsOk());
  agg->FinishUpload("a@v0");
  ASSERT_THAT(agg->ReceiveChunk(Chunk(b, 0, b.size(), "b")), IsOk());
  agg->FinishUpload("b@v0");
  auto first = agg->Tick(kStart + absl::Minutes(1), 7);
  ASSERT_THAT(first, IsOk());
  ASSERT_EQ(first->applied_size(), 2);
  // The reply was lost; the caller asks again with the same number.
  auto retried = agg->Tick(kStart + absl::Minutes(1), 7);
  ASSERT_THAT(retried, IsOk());
  EXPECT_EQ(retried->SerializeAsString(), first->SerializeAsString());
  // And after a restart in between, too.
  agg.reset();
  agg = Make(path);
  auto replayed = agg->Tick(kStart + absl::Minutes(1), 7);
  ASSERT_THAT(replayed, IsOk());
  EXPECT_EQ(replayed->SerializeAsString(), first->SerializeAsString());
}

TEST(JournalTest, ATornTailIsCutOff) {
  const std::string path = JournalPath("torn.journal");
  {
    std::vector<proto::JournalRecord> none;
    auto journal = Journal::Open(path, &none);
    ASSERT_THAT(journal, IsOk());
    proto::JournalRecord r;
    r.set_tick_utc_ms(1000);
    r.set_tick_sequence(1);
    ASSERT_THAT((*journal)->Append(r), IsOk());
    r.set_tick_sequence(2);
    ASSERT_THAT((*journal)->Append(r), IsOk());
  }
  {
    std::ofstream out(path, std::ios::app | std::ios::binary);
    out << std::string("\x40\x00\x00\x00\x01\x02", 6);  // a crash mid-write
  }
  std::vector<proto::JournalRecord> records;
  auto journal = Journal::Open(path, &records);
  ASSERT_THAT(journal, IsOk());
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].tick_sequence(), 2);
  proto::JournalRecord r;
  r.set_tick_sequence(3);
  ASSERT_THAT((*journal)->Append(r), IsOk());
  journal->reset();
  records.clear();
  ASSERT_THAT(Journal::Open(path, &records), IsOk());
  ASSERT_EQ(records.size(), 3u);  // the tail was cut before appending
  EXPECT_EQ(records[2].tick_sequence(), 3);
}

}  // namespace
}  // namespace orbitfl::aggregator
