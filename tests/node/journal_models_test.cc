#include "node/journal_models.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/crc32c.h"
#include "tests/status_matchers.h"

namespace orbitfl::node {
namespace {

using ::orbitfl::testing::IsOk;
using ::orbitfl::testing::StatusIs;

proto::ModelChunk Chunk(int64_t version, const std::string& model,
                        int64_t offset, int64_t size) {
  proto::ModelChunk c;
  c.set_version(version);
  c.set_offset(offset);
  c.set_total_bytes(static_cast<int64_t>(model.size()));
  c.set_data(model.substr(offset, size));
  c.set_crc32c(proto::Crc32c(c.data()));
  return c;
}

std::string Model(char seed, int size) {
  std::string m(size, '\0');
  for (int i = 0; i < size; ++i) m[i] = static_cast<char>(seed + i * 7);
  return m;
}

TEST(JournalModelsTest, AModelFetchedAgainIsWrittenWithoutItsBytes) {
  const std::string v3 = Model('a', 200);
  JournalModels writer;
  // The first satellite reads v3 in two passes: both chunks are kept.
  proto::ModelChunk a = Chunk(3, v3, 0, 120), b = Chunk(3, v3, 120, 80);
  writer.Elide(a);
  writer.Elide(b);
  EXPECT_EQ(a.data().size(), 120u);
  EXPECT_EQ(b.data().size(), 80u);
  EXPECT_EQ(writer.held_bytes(3), 200);
  // The second reads it in other chunks: all left out.
  proto::ModelChunk c = Chunk(3, v3, 0, 64), d = Chunk(3, v3, 64, 136);
  writer.Elide(c);
  writer.Elide(d);
  EXPECT_TRUE(c.data().empty());
  EXPECT_EQ(c.journaled_bytes(), 64);
  EXPECT_EQ(d.journaled_bytes(), 136);
  // The replay fills them in, byte for byte.
  JournalModels reader;
  for (proto::ModelChunk* x : {&a, &b, &c, &d}) {
    ASSERT_THAT(reader.Restore(*x), IsOk());
  }
  EXPECT_EQ(c.SerializeAsString(), Chunk(3, v3, 0, 64).SerializeAsString());
  EXPECT_EQ(d.SerializeAsString(), Chunk(3, v3, 64, 136).SerializeAsString());
}

TEST(JournalModelsTest, OtherBytesOfTheSameVersionAreKeptAndNotLearned) {
  const std::string v3 = Model('a', 100);
  std::string upset = v3;
  upset[10] ^= 0x40;  // a peer's copy with a flipped bit
  JournalModels writer;
  proto::ModelChunk first = Chunk(3, v3, 0, 100);
  writer.Elide(first);
  proto::ModelChunk peer = Chunk(3, upset, 0, 100);
  writer.Elide(peer);
  EXPECT_EQ(peer.data(), upset);
  EXPECT_EQ(peer.journaled_bytes(), 0);
  proto::ModelChunk again = Chunk(3, v3, 0, 100);
  writer.Elide(again);
  EXPECT_EQ(again.journaled_bytes(), 100);  // v3's own bytes still held
}

TEST(JournalModelsTest, OnlyBytesFromOffsetZeroOnAreHeld) {
  const std::string v5 = Model('k', 100);
  JournalModels writer;
  proto::ModelChunk tail = Chunk(5, v5, 60, 40);  // a download resumed
  writer.Elide(tail);
  EXPECT_EQ(writer.held_bytes(5), 0);
  proto::ModelChunk head = Chunk(5, v5, 0, 70);
  writer.Elide(head);
  proto::ModelChunk overlap = Chunk(5, v5, 50, 50);  // extends the head
  writer.Elide(overlap);
  EXPECT_EQ(overlap.data().size(), 50u);
  EXPECT_EQ(writer.held_bytes(5), 100);
}

TEST(JournalModelsTest, KeepsTheNewestVersionsOnly) {
  JournalModels writer(/*versions_kept=*/2);
  std::vector<std::string> models;
  for (int v = 1; v <= 3; ++v) {
    models.push_back(Model(static_cast<char>('a' + v), 50));
    proto::ModelChunk c = Chunk(v, models.back(), 0, 50);
    writer.Elide(c);
  }
  EXPECT_EQ(writer.held_bytes(1), 0);
  EXPECT_EQ(writer.held_bytes(2), 50);
  EXPECT_EQ(writer.held_bytes(3), 50);
  proto::ModelChunk old = Chunk(1, models[0], 0, 50);
  writer.Elide(old);  // written whole again (and learned, evicting v1)
  EXPECT_EQ(old.data().size(), 50u);
  EXPECT_EQ(writer.held_bytes(1), 0);
}

TEST(JournalModelsTest, RefusesWhatNoEarlierRecordHolds) {
  JournalModels reader;
  proto::ModelChunk c;
  c.set_version(7);
  c.set_offset(0);
  c.set_journaled_bytes(10);
  EXPECT_THAT(reader.Restore(c),
              StatusIs(absl::StatusCode::kDataLoss,
                       "a model chunk (v7, offset 0) refers to 10 bytes no "
                       "earlier record holds"));
  // A chunk that arrived claiming left-out bytes is written as it came.
  JournalModels writer;
  proto::ModelChunk forged = Chunk(7, Model('z', 20), 0, 20);
  forged.set_journaled_bytes(5);
  writer.Elide(forged);
  EXPECT_EQ(forged.journaled_bytes(), 0);
  EXPECT_EQ(forged.data().size(), 20u);
}

// Any sequence of chunks, left out by one and filled in by another from
// the written records, comes back exactly as it was.
TEST(JournalModelsTest, WhatIsWrittenReplaysToTheSameChunks) {
  std::mt19937_64 gen(5);
  std::vector<std::string> models;
  for (int v = 0; v < 8; ++v) models.push_back(Model('a' + v, 300));
  JournalModels writer(3), reader(3);
  int64_t left_out = 0;
  for (int i = 0; i < 2000; ++i) {
    const int v = static_cast<int>(gen() % models.size());
    std::string model = models[v];
    if (gen() % 10 == 0) model[gen() % model.size()] ^= 1;  // an upset copy
    const int64_t offset = static_cast<int64_t>(gen() % 300);
    const int64_t size = 1 + static_cast<int64_t>(gen() % (300 - offset));
    const proto::ModelChunk original = Chunk(v, model, offset, size);
    proto::ModelChunk written = original;
    writer.Elide(written);
    left_out += written.journaled_bytes();
    proto::ModelChunk replayed;
    ASSERT_TRUE(replayed.ParseFromString(written.SerializeAsString()));
    ASSERT_THAT(reader.Restore(replayed), IsOk()) << i;
    ASSERT_EQ(replayed.SerializeAsString(), original.SerializeAsString()) << i;
  }
  EXPECT_GT(left_out, 0);
}

}  // namespace
}  // namespace orbitfl::node
