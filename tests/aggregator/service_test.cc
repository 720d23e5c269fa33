// The Aggregator gRPC service over a real in-process channel.

#include "aggregator/service.h"

#include "aggregator/fedavg.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/crc32c.h"
#include "tests/aggregator/models.h"
#include "tests/status_matchers.h"

namespace orbitfl::aggregator {
namespace {

using ::orbitfl::testing::kStart;
using ::orbitfl::testing::TinyDelta;
using ::orbitfl::testing::TinyModel;

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FedAvgOptions f;
    f.expected_participants = 1;
    AggregatorOptions o;
    std::vector<float> w(1000);
    for (size_t i = 0; i < w.size(); ++i) w[i] = 0.001f * i;
    o.initial = TinyModel(w, 0);
    o.start = kStart;
    aggregator_ = *Aggregator::Create(o, *FedAvg::Create(f));
    service_ = std::make_unique<AggregatorService>(aggregator_.get(),
                                                   /*chunk_bytes=*/512);
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    stub_ = proto::Aggregator::NewStub(
        server_->InProcessChannel(grpc::ChannelArguments()));
  }
  void TearDown() override { server_->Shutdown(); }

  // Streams bytes [begin, end) of `bytes` in 256-byte chunks; `corrupt`
  // flips a bit of the chunk at that offset after its CRC was computed.
  proto::UploadAck Upload(const std::string& bytes, int64_t begin, int64_t end,
                          int64_t corrupt = -1) {
    grpc::ClientContext ctx;
    proto::UploadAck ack;
    auto writer = stub_->UploadUpdate(&ctx, &ack);
    for (int64_t at = begin; at < end; at += 256) {
      proto::UpdateChunk c;
      c.set_transfer_id("a@v0");
      c.set_satellite("a");
      c.set_offset(at);
      c.set_total_bytes(static_cast<int64_t>(bytes.size()));
      c.set_data(bytes.substr(at, std::min<int64_t>(256, end - at)));
      c.set_crc32c(proto::Crc32c(c.data()));
      if (at == corrupt) (*c.mutable_data())[0] ^= 1;
      writer->Write(c);
    }
    writer->WritesDone();
    EXPECT_TRUE(writer->Finish().ok());
    return ack;
  }

  std::unique_ptr<Aggregator> aggregator_;
  std::unique_ptr<AggregatorService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<proto::Aggregator::Stub> stub_;
};

TEST_F(ServiceTest, UploadCutByALinkResumesAndCorruptChunkIsResent) {
  std::vector<float> d(1000, 0.5f);
  std::string bytes;
  TinyDelta("a", 0, 10, d).SerializeToString(&bytes);
  const int64_t total = static_cast<int64_t>(bytes.size());
  // First pass ends after 1024 bytes.
  proto::UploadAck ack = Upload(bytes, 0, 1024);
  EXPECT_EQ(ack.acked_bytes(), 1024);
  EXPECT_FALSE(ack.complete());
  // Second pass: the chunk at 2048 is corrupted on the wire; everything
  // before it is acknowledged.
  ack = Upload(bytes, ack.acked_bytes(), total, /*corrupt=*/2048);
  EXPECT_EQ(ack.acked_bytes(), 2048);
  EXPECT_FALSE(ack.complete());
  ack = Upload(bytes, ack.acked_bytes(), total);
  EXPECT_EQ(ack.acked_bytes(), total);
  EXPECT_TRUE(ack.complete());
  EXPECT_TRUE(ack.accepted());
}

TEST_F(ServiceTest, ModelDownloadsInCheckedChunksAndResumes) {
  auto full = aggregator_->ModelBytes(0);
  ASSERT_TRUE(full.ok());
  const std::string& expected = *full->second;
  std::string got;
  int64_t chunks = 0;
  while (static_cast<int64_t>(got.size()) < static_cast<int64_t>(expected.size())) {
    grpc::ClientContext ctx;
    proto::ModelRequest req;
    req.set_version(0);
    req.set_offset(static_cast<int64_t>(got.size()));
    req.set_max_bytes(1500);  // one pass carries 1500 bytes
    auto reader = stub_->DownloadModel(&ctx, req);
    proto::ModelChunk c;
    int64_t this_pass = 0;
    while (reader->Read(&c)) {
      ASSERT_EQ(c.offset(), static_cast<int64_t>(got.size()));
      ASSERT_EQ(proto::Crc32c(c.data()), c.crc32c());
      ASSERT_LE(c.data().size(), 512u);
      got += c.data();
      this_pass += static_cast<int64_t>(c.data().size());
      ++chunks;
    }
    ASSERT_TRUE(reader->Finish().ok());
    ASSERT_LE(this_pass, 1500);
    ASSERT_GT(this_pass, 0);
  }
  EXPECT_EQ(got, expected);
  EXPECT_GE(chunks, static_cast<int64_t>(expected.size() / 512));
}

TEST_F(ServiceTest, TickIntoThePastIsAnInvalidArgument) {
  grpc::ClientContext ctx;
  proto::TickRequest req;
  req.set_utc_ms(absl::ToUnixMillis(kStart - absl::Hours(1)));
  proto::TickReply reply;
  grpc::Status s = stub_->Tick(&ctx, req, &reply);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

// Each satellite gets `per_second` upload streams a second: a burst of
// one second's worth, then one more per 1/per_second.
TEST_F(ServiceTest, UploadsBeyondTheRateLimitAreRefused) {
  absl::Time now = kStart;
  service_->SetUploadRateLimit(2, [&now] { return now; });
  std::string bytes;
  TinyDelta("a", 0, 10, std::vector<float>(1000, 0.5f)).SerializeToString(&bytes);
  auto try_upload = [&] {
    grpc::ClientContext ctx;
    proto::UploadAck ack;
    auto writer = stub_->UploadUpdate(&ctx, &ack);
    proto::UpdateChunk c;
    c.set_transfer_id("a@v0");
    c.set_satellite("a");
    c.set_total_bytes(static_cast<int64_t>(bytes.size()));
    c.set_data(bytes.substr(0, 256));
    c.set_crc32c(proto::Crc32c(c.data()));
    writer->Write(c);
    writer->WritesDone();
    return writer->Finish();
  };
  EXPECT_TRUE(try_upload().ok());
  EXPECT_TRUE(try_upload().ok());
  const grpc::Status third = try_upload();
  EXPECT_EQ(third.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(third.error_message(), ::testing::HasSubstr("rate limit"));
  now += absl::Milliseconds(500);  // one token back
  EXPECT_TRUE(try_upload().ok());
  EXPECT_FALSE(try_upload().ok());
  // The refused streams changed nothing: the upload resumes at 256.
  EXPECT_EQ(aggregator_->FinishUpload("a@v0").acked_bytes(), 256);
}

}  // namespace
}  // namespace orbitfl::aggregator
