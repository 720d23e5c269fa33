#include "aggregator/aggregator.h"

#include <cmath>
#include <limits>

#include "aggregator/dp.h"
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
using ::orbitfl::testing::StatusIs;
using ::orbitfl::testing::TinyDelta;
using ::orbitfl::testing::TinyModel;
using ::testing::HasSubstr;

std::unique_ptr<Aggregator> Make(int expected) {
  FedAvgOptions f;
  f.expected_participants = expected;
  AggregatorOptions o;
  o.initial = TinyModel({0, 0, 0, 0}, 0);
  o.start = kStart;
  auto a = Aggregator::Create(o, *FedAvg::Create(f));
  EXPECT_THAT(a, IsOk());
  return std::move(a).value();
}

std::string Serialized(const proto::ModelDelta& d) {
  std::string s;
  d.SerializeToString(&s);
  return s;
}

TEST(AggregatorTest, RefusesChunksLargerThanTheLimit) {
  auto agg = Make(/*expected=*/1);
  const std::string big(kMaxChunkBytes + 1, 'x');
  proto::UpdateChunk c = Chunk(big, 0, big.size());
  EXPECT_THAT(agg->ReceiveChunk(c),
              StatusIs(absl::StatusCode::kInvalidArgument, "at most"));
}

TEST(AggregatorTest, UploadResumesFromTheAcknowledgedOffset) {
  auto agg = Make(/*expected=*/1);
  const std::string bytes = Serialized(TinyDelta("a", 0, 5, {1, 2, 3, 4}));
  const int64_t half = static_cast<int64_t>(bytes.size()) / 2;
  ASSERT_THAT(agg->ReceiveChunk(Chunk(bytes, 0, half)), IsOk());
  proto::UploadAck ack = agg->FinishUpload("a@v0");
  EXPECT_EQ(ack.acked_bytes(), half);
  EXPECT_FALSE(ack.complete());
  // Next pass: a resent overlap is harmless, the rest completes it.
  ASSERT_THAT(agg->ReceiveChunk(Chunk(bytes, 0, half)), IsOk());
  ASSERT_THAT(agg->ReceiveChunk(Chunk(bytes, half, bytes.size() - half)),
              IsOk());
  ack = agg->FinishUpload("a@v0");
  EXPECT_TRUE(ack.complete());
  EXPECT_TRUE(ack.accepted());
  auto tick = agg->Tick(kStart + absl::Seconds(1));
  ASSERT_THAT(tick, IsOk());
  EXPECT_TRUE(tick->aggregated());
  EXPECT_EQ(tick->model_version(), 1);
  // The tick reports what it applied, once.
  ASSERT_EQ(tick->applied_size(), 1);
  EXPECT_EQ(tick->applied(0).satellite(), "a");
  EXPECT_EQ(tick->applied(0).base_version(), 0);
  EXPECT_EQ(tick->applied(0).model_version(), 1);
  EXPECT_EQ(tick->applied(0).staleness(), 0);
  EXPECT_DOUBLE_EQ(tick->applied(0).weight(), 1.0);
  EXPECT_EQ(tick->dp_epsilon(), 0);
  tick = agg->Tick(kStart + absl::Seconds(2));
  ASSERT_THAT(tick, IsOk());
  EXPECT_EQ(tick->applied_size(), 0);
}

TEST(AggregatorTest, TickReportsTheDifferentialPrivacyBudget) {
  DpOptions dp;
  dp.clip_norm = 1;
  dp.noise_multiplier = 1;
  auto strategy = DpStrategy::Create(dp, *FedAvg::Create(FedAvgOptions{}));
  ASSERT_THAT(strategy, IsOk());
  AggregatorOptions o;
  o.initial = TinyModel({0, 0, 0, 0}, 0);
  o.start = kStart;
  auto agg = Aggregator::Create(o, *std::move(strategy));
  ASSERT_THAT(agg, IsOk());
  auto tick = (*agg)->Tick(kStart);
  ASSERT_THAT(tick, IsOk());
  EXPECT_EQ(tick->dp_epsilon(), 0);
  const std::string bytes = Serialized(TinyDelta("a", 0, 5, {1, 2, 3, 4}));
  ASSERT_THAT((*agg)->ReceiveChunk(Chunk(bytes, 0, bytes.size())), IsOk());
  EXPECT_TRUE((*agg)->FinishUpload("a@v0").accepted());
  tick = (*agg)->Tick(kStart + absl::Seconds(1));
  ASSERT_THAT(tick, IsOk());
  EXPECT_TRUE(tick->aggregated());
  EXPECT_EQ(tick->applied_size(), 1);
  // One release at z = 1, δ = 1e-5 (see dp_test.cc).
  EXPECT_NEAR(tick->dp_epsilon(), 5.298526138535465, 1e-9);
}

TEST(AggregatorTest, CorruptChunkIsRejectedByItsCrcAndCanBeResent) {
  auto agg = Make(1);
  const std::string bytes = Serialized(TinyDelta("a", 0, 5, {1, 2, 3, 4}));
  proto::UpdateChunk bad = Chunk(bytes, 0, bytes.size());
  bad.mutable_data()->at(3) ^= 0x40;  // flipped on the wire
  EXPECT_THAT(agg->ReceiveChunk(bad),
              StatusIs(absl::StatusCode::kDataLoss, "CRC32C"));
  EXPECT_EQ(agg->FinishUpload("a@v0").acked_bytes(), 0);
  ASSERT_THAT(agg->ReceiveChunk(Chunk(bytes, 0, bytes.size())), IsOk());
  EXPECT_TRUE(agg->FinishUpload("a@v0").accepted());
}

TEST(AggregatorTest, GapIsRefused) {
  auto agg = Make(1);
  const std::string bytes = Serialized(TinyDelta("a", 0, 5, {1, 2, 3, 4}));
  EXPECT_THAT(agg->ReceiveChunk(Chunk(bytes, 4, 4)),
              StatusIs(absl::StatusCode::kOutOfRange, "expected 0"));
}

TEST(AggregatorTest, RepeatedUploadIsAcknowledgedButAppliedOnce) {
  auto agg = Make(/*expected=*/2);
  const std::string bytes = Serialized(TinyDelta("a", 0, 5, {1, 2, 3, 4}));
  ASSERT_THAT(agg->ReceiveChunk(Chunk(bytes, 0, bytes.size())), IsOk());
  EXPECT_TRUE(agg->FinishUpload("a@v0").accepted());
  ASSERT_THAT(agg->ReceiveChunk(Chunk(bytes, 0, bytes.size())), IsOk());
  proto::UploadAck again = agg->FinishUpload("a@v0");
  EXPECT_TRUE(again.complete());
  auto tick = agg->Tick(kStart + absl::Hours(4));
  ASSERT_THAT(tick, IsOk());
  EXPECT_EQ(tick->updates_applied(), 1);
}

TEST(AggregatorTest, InvalidUpdatesAreAcknowledgedAndNotAccepted) {
  auto agg = Make(1);
  // Wrong shape.
  std::string bytes = Serialized(TinyDelta("a", 0, 5, {1, 2, 3}));
  ASSERT_THAT(agg->ReceiveChunk(Chunk(bytes, 0, bytes.size())), IsOk());
  proto::UploadAck ack = agg->FinishUpload("a@v0");
  EXPECT_TRUE(ack.complete());
  EXPECT_FALSE(ack.accepted());
  EXPECT_THAT(ack.reason(), HasSubstr("does not match"));
  // NaN.
  bytes = Serialized(TinyDelta(
      "b", 0, 5, {1, std::numeric_limits<float>::quiet_NaN(), 3, 4}));
  ASSERT_THAT(agg->ReceiveChunk(Chunk(bytes, 0, bytes.size(), "b")), IsOk());
  ack = agg->FinishUpload("b@v0");
  EXPECT_FALSE(ack.accepted());
  EXPECT_THAT(ack.reason(), HasSubstr("NaN"));
  // Claims to be another satellite than the one uploading it.
  bytes = Serialized(TinyDelta("mallory", 0, 5, {1, 2, 3, 4}));
  ASSERT_THAT(agg->ReceiveChunk(Chunk(bytes, 0, bytes.size(), "c")), IsOk());
  ack = agg->FinishUpload("c@v0");
  EXPECT_FALSE(ack.accepted());
  EXPECT_THAT(ack.reason(), HasSubstr("uploaded as c"));
  // A top-k tensor claiming 2^27 values in a few bytes is refused for its
  // shape before anything is decoded (the decoder would refuse its size).
  proto::ModelDelta forged = TinyDelta("d", 0, 5, {});
  proto::Tensor* t = forged.mutable_tensors(0);
  t->set_shape(0, int64_t{1} << 27);
  t->set_encoding(proto::TENSOR_ENCODING_TOPK);
  bytes = Serialized(forged);
  ASSERT_LT(bytes.size(), 50u);
  ASSERT_THAT(agg->ReceiveChunk(Chunk(bytes, 0, bytes.size(), "d")), IsOk());
  ack = agg->FinishUpload("d@v0");
  EXPECT_FALSE(ack.accepted());
  EXPECT_THAT(ack.reason(),
              HasSubstr("update tensor \"w\" does not match model tensor"));
}

TEST(AggregatorTest, ServesEveryPublishedVersionAndRefusesUnknownOnes) {
  auto agg = Make(1);
  auto v0 = agg->ModelBytes(0);
  ASSERT_THAT(v0, IsOk());
  EXPECT_EQ(v0->first, 0);
  proto::Model m;
  ASSERT_TRUE(m.ParseFromString(*v0->second));
  EXPECT_EQ(m.tensors(0).name(), "w");
  EXPECT_THAT(agg->ModelBytes(7),
              StatusIs(absl::StatusCode::kNotFound, "version 7"));
  EXPECT_THAT(agg->Tick(kStart - absl::Seconds(1)),
              StatusIs(absl::StatusCode::kInvalidArgument, "before"));
}

}  // namespace
}  // namespace orbitfl::aggregator
