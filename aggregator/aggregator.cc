#include "aggregator/aggregator.h"

#include <cmath>
#include <fstream>
#include <iterator>
#include <utility>

#include "absl/strings/str_cat.h"
#include "third_party/status_macros.h"
#include "proto/crc32c.h"
#include "proto/delta_codec.h"
#include "proto/record_log.h"
#include "proto/tensor_util.h"

namespace orbitfl::aggregator {
namespace {

// A decoded delta holds finite values only.
absl::Status ValidateValues(const proto::ModelDelta& delta) {
  for (const proto::Tensor& t : delta.tensors()) {
    for (float v : proto::ToFloats(t)) {
      if (!std::isfinite(v)) {
        return absl::InvalidArgumentError(
            absl::StrCat("update tensor \"", t.name(), "\" holds NaN or Inf"));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Aggregator>> Aggregator::Create(
    const AggregatorOptions& options, std::unique_ptr<Strategy> strategy) {
  if (strategy == nullptr) {
    return absl::InvalidArgumentError("aggregator: no strategy");
  }
  if (options.initial.tensors_size() == 0) {
    return absl::InvalidArgumentError("aggregator: initial model is empty");
  }
  std::unique_ptr<Aggregator> aggregator(
      new Aggregator(options, std::move(strategy)));
  if (!options.journal_path.empty()) {
    if (options.snapshot_every_ticks < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "aggregator: snapshot_every_ticks expected >= 0, got ",
          options.snapshot_every_ticks));
    }
    std::vector<proto::JournalRecord> records;
    ORBITFL_ASSIGN_OR_RETURN(std::unique_ptr<Journal> journal,
                             Journal::Open(options.journal_path, &records));
    absl::MutexLock lock(&aggregator->mu_);
    // Published versions, each written once (not into every snapshot).
    std::vector<proto::ModelChunk> published;
    ORBITFL_ASSIGN_OR_RETURN(
        aggregator->versions_log_,
        (proto::ReopenLog<proto::ModelChunk>(options.journal_path + ".versions",
                                             &published)));
    const auto initial = std::move(aggregator->versions_);
    aggregator->versions_.clear();
    for (proto::ModelChunk& m : published) {
      aggregator->versions_[m.version()] =
          std::make_shared<const std::string>(std::move(*m.mutable_data()));
    }
    for (const auto& [version, bytes] : initial) {
      ORBITFL_RETURN_IF_ERROR(aggregator->LogVersionLocked(version, bytes));
    }
    int64_t covered = 0;
    int64_t generation = 0;
    ORBITFL_RETURN_IF_ERROR(
        aggregator->RestoreLocked(&covered, &generation).status());
    if (journal->generation() > generation) {
      return absl::DataLossError(absl::StrCat(
          options.journal_path, " is of generation ", journal->generation(),
          ", newer than its snapshot's (", generation, "): the snapshot ",
          aggregator->snapshot_path_, " is missing or older"));
    }
    if (journal->generation() < generation) {
      // Stopped between the snapshot and starting the journal afresh: the
      // snapshot holds all of it.
      ORBITFL_RETURN_IF_ERROR(journal->StartAfresh(generation));
      records.clear();
      covered = 0;
    }
    if (covered > static_cast<int64_t>(records.size())) {
      return absl::DataLossError(absl::StrCat(
          aggregator->snapshot_path_, " holds the effect of ", covered,
          " journal records, but ", options.journal_path, " holds only ",
          records.size()));
    }
    ORBITFL_RETURN_IF_ERROR(
        aggregator->Replay(records, static_cast<size_t>(covered)));
    aggregator->journal_ = std::move(journal);
  }
  return aggregator;
}

absl::Status Aggregator::SnapshotLocked() {
  // The snapshot holds every record so far; the journal then starts afresh
  // as the next generation, so it never holds more than the records since
  // the last snapshot. A crash between the two leaves the snapshot and the
  // older journal, which a restart knows is wholly held.
  const int64_t generation = journal_->generation() + 1;
  proto::AggregatorSnapshot s;
  s.set_journal_generation(generation);
  s.set_journal_records(0);
  s.set_ticks(ticks_);
  s.set_last_sequence(last_sequence_);
  *s.mutable_last_reply() = last_reply_;
  s.set_now_ms(absl::ToUnixMillis(now_));
  for (const auto& [id, up] : uploads_) {
    if (up.journaled == 0) continue;  // nothing of it acknowledged yet
    proto::AggregatorSnapshot::PartialUpload* p = s.add_uploads();
    p->set_transfer_id(id);
    p->set_satellite(up.satellite);
    p->set_base_version(up.base_version);
    p->set_total_bytes(up.total_bytes);
    p->set_data(up.data.substr(0, up.journaled));
  }
  for (const auto& [id, ack] : finished_) *s.add_finished() = ack;
  strategy_->SaveState(s.mutable_strategy());
  ORBITFL_RETURN_IF_ERROR(
      proto::WriteFileAtomically(snapshot_path_, s.SerializeAsString()));
  return journal_->StartAfresh(generation);
}

absl::StatusOr<bool> Aggregator::RestoreLocked(int64_t* journal_records,
                                               int64_t* journal_generation) {
  std::string bytes;
  {
    std::ifstream in(snapshot_path_, std::ios::binary);
    if (!in) return false;
    bytes.assign(std::istreambuf_iterator<char>(in), {});
    if (in.bad()) {
      return absl::DataLossError(
          absl::StrCat(snapshot_path_, ": cannot read the snapshot"));
    }
  }
  proto::AggregatorSnapshot s;
  if (!s.ParseFromString(bytes) || !s.has_strategy()) {
    return absl::DataLossError(absl::StrCat(
        snapshot_path_, ": not an aggregator snapshot (it is written "
        "atomically, so it was not made by this aggregator)"));
  }
  ticks_ = s.ticks();
  last_sequence_ = s.last_sequence();
  last_reply_ = s.last_reply();
  now_ = absl::FromUnixMillis(s.now_ms());
  uploads_.clear();
  for (const proto::AggregatorSnapshot::PartialUpload& p : s.uploads()) {
    Upload& up = uploads_[p.transfer_id()];
    up.satellite = p.satellite();
    up.base_version = p.base_version();
    up.total_bytes = p.total_bytes();
    up.data = p.data();
    up.journaled = static_cast<int64_t>(up.data.size());
  }
  finished_.clear();
  for (const proto::UploadAck& ack : s.finished()) {
    finished_[ack.transfer_id()] = ack;
  }
  ORBITFL_RETURN_IF_ERROR(strategy_->RestoreState(s.strategy()));
  if (versions_.count(strategy_->global().version()) == 0) {
    return absl::DataLossError(absl::StrCat(
        snapshot_path_, ": the global model's version ",
        strategy_->global().version(), " is not among its published ones"));
  }
  *journal_records = s.journal_records();
  *journal_generation = s.journal_generation();
  restored_tick_ = ticks_;
  return true;
}

absl::Status Aggregator::Replay(
    const std::vector<proto::JournalRecord>& records, size_t skip) {
  for (size_t i = skip; i < records.size(); ++i) {
    const proto::JournalRecord& r = records[i];
    if (r.has_upload()) {
      const proto::UpdateChunk& c = r.upload();
      Upload& up = uploads_[c.transfer_id()];
      if (up.total_bytes == 0) {
        up.satellite = c.satellite();
        up.base_version = c.base_version();
        up.total_bytes = c.total_bytes();
      }
      if (c.offset() != static_cast<int64_t>(up.data.size())) {
        return absl::DataLossError(absl::StrCat(
            "journal: upload ", c.transfer_id(), " resumes at ", c.offset(),
            ", the journal holds ", up.data.size(), " bytes of it"));
      }
      up.data += c.data();
      up.journaled = static_cast<int64_t>(up.data.size());
      if (up.journaled >= up.total_bytes) {
        CompleteLocked(c.transfer_id(), uploads_.find(c.transfer_id()));
      }
    } else {
      ++ticks_;
      ORBITFL_ASSIGN_OR_RETURN(last_reply_,
                               TickLocked(absl::FromUnixMillis(r.tick_utc_ms())));
      last_sequence_ = r.tick_sequence();
    }
    ++replayed_;
  }
  return absl::OkStatus();
}

Aggregator::Aggregator(const AggregatorOptions& options,
                       std::unique_ptr<Strategy> strategy)
    : max_update_bytes_(options.max_update_bytes),
      after_journaled_tick_(options.after_journaled_tick),
      snapshot_path_(options.journal_path + ".snapshot"),
      snapshot_every_ticks_(options.snapshot_every_ticks),
      strategy_(std::move(strategy)),
      now_(options.start) {
  absl::MutexLock lock(&mu_);
  proto::Model initial = options.initial;
  initial.set_version(0);
  strategy_->Start(initial, options.start);
  PublishLocked().IgnoreError();  // no versions log yet: cannot fail
}

absl::Status Aggregator::PublishLocked() {
  const proto::Model& g = strategy_->global();
  std::string bytes;
  g.SerializeToString(&bytes);
  return LogVersionLocked(g.version(),
                          std::make_shared<const std::string>(std::move(bytes)));
}

absl::Status Aggregator::LogVersionLocked(
    int64_t version, std::shared_ptr<const std::string> bytes) {
  if (versions_log_ != nullptr && versions_.count(version) == 0) {
    proto::ModelChunk record;
    record.set_version(version);
    record.set_data(*bytes);
    ORBITFL_RETURN_IF_ERROR(versions_log_->Append(record));
  }
  versions_[version] = std::move(bytes);
  return absl::OkStatus();
}

absl::Status Aggregator::ReceiveChunk(const proto::UpdateChunk& chunk) {
  if (proto::Crc32c(chunk.data()) != chunk.crc32c()) {
    return absl::DataLossError(absl::StrCat(
        "upload ", chunk.transfer_id(), ": CRC32C mismatch in chunk at offset ",
        chunk.offset()));
  }
  if (static_cast<int64_t>(chunk.data().size()) > kMaxChunkBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "upload ", chunk.transfer_id(), ": a chunk holds at most ",
        kMaxChunkBytes, " bytes, got ", chunk.data().size()));
  }
  if (chunk.total_bytes() <= 0 || chunk.total_bytes() > max_update_bytes_) {
    return absl::InvalidArgumentError(absl::StrCat(
        "upload ", chunk.transfer_id(), ": total_bytes expected in (0, ",
        max_update_bytes_, "], got ", chunk.total_bytes()));
  }
  absl::MutexLock lock(&mu_);
  if (finished_.count(chunk.transfer_id()) > 0) return absl::OkStatus();
  Upload& up = uploads_[chunk.transfer_id()];
  if (up.total_bytes == 0) {
    up.satellite = chunk.satellite();
    up.base_version = chunk.base_version();
    up.total_bytes = chunk.total_bytes();
  } else if (up.total_bytes != chunk.total_bytes() ||
             up.satellite != chunk.satellite()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "upload ", chunk.transfer_id(), ": chunk says ", chunk.satellite(),
        "/", chunk.total_bytes(), " bytes, upload began as ", up.satellite,
        "/", up.total_bytes));
  }
  const int64_t have = static_cast<int64_t>(up.data.size());
  const int64_t end = chunk.offset() + static_cast<int64_t>(chunk.data().size());
  if (chunk.offset() > have) {
    return absl::OutOfRangeError(
        absl::StrCat("upload ", chunk.transfer_id(), ": chunk at offset ",
                     chunk.offset(), ", expected ", have));
  }
  if (end > up.total_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("upload ", chunk.transfer_id(), ": chunk ends at ", end,
                     ", past total_bytes ", up.total_bytes));
  }
  if (end > have) up.data.append(chunk.data().substr(have - chunk.offset()));
  return absl::OkStatus();
}

proto::UploadAck Aggregator::FinishUpload(const std::string& transfer_id) {
  absl::MutexLock lock(&mu_);
  proto::UploadAck ack;
  ack.set_transfer_id(transfer_id);
  if (auto done = finished_.find(transfer_id); done != finished_.end()) {
    return done->second;
  }
  auto it = uploads_.find(transfer_id);
  if (it == uploads_.end()) return ack;
  Upload& up = it->second;
  if (journal_ != nullptr &&
      up.journaled < static_cast<int64_t>(up.data.size())) {
    // Only journaled bytes are acknowledged.
    proto::JournalRecord record;
    proto::UpdateChunk* c = record.mutable_upload();
    c->set_transfer_id(transfer_id);
    c->set_satellite(up.satellite);
    c->set_base_version(up.base_version);
    c->set_total_bytes(up.total_bytes);
    c->set_offset(up.journaled);
    c->set_data(up.data.substr(up.journaled));
    if (journal_->Append(record).ok()) {
      up.journaled = static_cast<int64_t>(up.data.size());
    } else {
      up.data.resize(up.journaled);
    }
  }
  ack.set_acked_bytes(static_cast<int64_t>(up.data.size()));
  if (ack.acked_bytes() < up.total_bytes) return ack;
  return CompleteLocked(transfer_id, it);
}

proto::UploadAck Aggregator::CompleteLocked(
    const std::string& transfer_id,
    std::map<std::string, Upload>::iterator it) {
  const Upload& up = it->second;
  proto::UploadAck ack;
  ack.set_transfer_id(transfer_id);
  ack.set_acked_bytes(static_cast<int64_t>(up.data.size()));
  ack.set_complete(true);
  proto::ModelDelta delta;
  absl::Status valid = delta.ParseFromString(up.data)
                           ? absl::OkStatus()
                           : absl::InvalidArgumentError(
                                 "payload is not a serialised ModelDelta");
  // Claims and shapes are checked on the encoded delta: a top-k tensor
  // states its size in a few bytes, and nothing the model cannot hold is
  // decoded.
  if (valid.ok()) valid = ValidateLocked(delta, up);
  if (valid.ok()) {
    // fp16, int8 and top-k deltas travel compressed; the strategy sees
    // fp32.
    absl::StatusOr<proto::ModelDelta> decoded = proto::DecodeDelta(delta);
    valid = decoded.ok() ? ValidateValues(*decoded) : decoded.status();
    if (decoded.ok()) delta = *std::move(decoded);
  }
  if (valid.ok()) {
    Decision d = strategy_->Offer(delta, now_);
    ack.set_accepted(d.accepted);
    ack.set_reason(d.reason);
  } else {
    ack.set_reason(std::string(valid.message()));
  }
  finished_[transfer_id] = ack;
  uploads_.erase(it);
  return ack;
}

absl::Status Aggregator::ValidateLocked(const proto::ModelDelta& delta,
                                        const Upload& upload) const {
  if (delta.satellite() != upload.satellite ||
      delta.base_version() != upload.base_version) {
    return absl::InvalidArgumentError(absl::StrCat(
        "update claims ", delta.satellite(), "@v", delta.base_version(),
        " but was uploaded as ", upload.satellite, "@v", upload.base_version));
  }
  const proto::Model& g = strategy_->global();
  if (delta.tensors_size() != g.tensors_size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "update has ", delta.tensors_size(), " tensors, model has ",
        g.tensors_size()));
  }
  for (int k = 0; k < g.tensors_size(); ++k) {
    const proto::Tensor& t = delta.tensors(k);
    if (!proto::SameLayout(t, g.tensors(k))) {
      return absl::InvalidArgumentError(absl::StrCat(
          "update tensor \"", t.name(), "\" does not match model tensor \"",
          g.tensors(k).name(), "\""));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::pair<int64_t, std::shared_ptr<const std::string>>>
Aggregator::ModelBytes(int64_t version) const {
  absl::MutexLock lock(&mu_);
  if (version == 0) version = strategy_->global().version();
  auto it = versions_.find(version);
  if (it == versions_.end()) {
    return absl::NotFoundError(
        absl::StrCat("model version ", version, " was never published"));
  }
  return std::make_pair(version, it->second);
}

absl::StatusOr<proto::TickReply> Aggregator::Tick(absl::Time now,
                                                  int64_t sequence) {
  absl::MutexLock lock(&mu_);
  if (sequence > 0 && sequence == last_sequence_) return last_reply_;
  if (now < now_) {
    return absl::InvalidArgumentError(
        absl::StrCat("tick at ", absl::FormatTime(now),
                     " is before the aggregator's clock ",
                     absl::FormatTime(now_)));
  }
  if (journal_ != nullptr) {
    proto::JournalRecord record;
    record.set_tick_utc_ms(absl::ToUnixMillis(now));
    record.set_tick_sequence(sequence);
    ORBITFL_RETURN_IF_ERROR(journal_->Append(record));
    ++ticks_;
    if (after_journaled_tick_) after_journaled_tick_(ticks_);
  }
  ORBITFL_ASSIGN_OR_RETURN(last_reply_, TickLocked(now));
  last_sequence_ = sequence;
  if (journal_ != nullptr && snapshot_every_ticks_ > 0 &&
      ticks_ % snapshot_every_ticks_ == 0) {
    ORBITFL_RETURN_IF_ERROR(SnapshotLocked());
  }
  return last_reply_;
}

absl::StatusOr<proto::TickReply> Aggregator::TickLocked(absl::Time now) {
  if (now < now_) {
    return absl::InvalidArgumentError(
        absl::StrCat("tick at ", absl::FormatTime(now),
                     " is before the aggregator's clock ",
                     absl::FormatTime(now_)));
  }
  now_ = now;
  ORBITFL_ASSIGN_OR_RETURN(bool aggregated, strategy_->Advance(now));
  if (aggregated) ORBITFL_RETURN_IF_ERROR(PublishLocked());
  proto::TickReply reply = ReplyLocked();
  reply.set_aggregated(aggregated);
  for (const AppliedUpdate& u : strategy_->TakeApplied()) {
    proto::AppliedUpdate* a = reply.add_applied();
    a->set_satellite(u.satellite);
    a->set_base_version(u.base_version);
    a->set_model_version(u.model_version);
    a->set_staleness(u.staleness);
    a->set_weight(u.weight);
  }
  reply.set_dp_epsilon(strategy_->dp_epsilon());
  return reply;
}

proto::TickReply Aggregator::ReplyLocked() const {
  proto::TickReply r;
  const int64_t version = strategy_->global().version();
  r.set_model_version(version);
  r.set_updates_applied(strategy_->updates_applied());
  r.set_min_base_version(strategy_->min_base_version());
  r.set_model_bytes(static_cast<int64_t>(versions_.at(version)->size()));
  const absl::Time deadline = strategy_->next_deadline();
  if (deadline != absl::InfiniteFuture()) {
    r.set_next_deadline_ms(absl::ToUnixMillis(deadline));
  }
  return r;
}

int64_t Aggregator::current_version() const {
  absl::MutexLock lock(&mu_);
  return strategy_->global().version();
}

}  // namespace orbitfl::aggregator
