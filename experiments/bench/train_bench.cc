// Local training throughput: LocalTrainer::Train (small_cnn, 32x32x4 tiles,
// batch 32, 20 local steps per call, from a store of 2,000 tiles) against a
// bare LibTorch loop over the same module and batch size on pre-built
// tensors (forward, cross-entropy, backward, SGD step). Both run on one
// intra-op thread, as the trainer pins LibTorch. The bar: the
// trainer reaches >= 90% of the bare loop's FLOP/s.
//
//   bazel run -c opt //experiments/bench:train_bench
//
// BM_TrainerVsBareLoop interleaves the two so that both see the same
// machine state; its counters are the two rates and their ratio.
// BM_Evaluate / BM_BareForward: evaluating a global model on 800 test
// tiles, against bare forward passes over batches of 32 to 800 tiles.

#include <chrono>
#include <memory>
#include <random>
#include <vector>

#include "benchmark/benchmark.h"
#include "node/dataset.h"
#include "node/model.h"
#include "node/model_internal.h"
#include "node/parallel.h"
#include "node/trainer.h"

namespace orbitfl::node {
namespace {

constexpr int kBatch = 32;
constexpr int kLocalSteps = 20;
constexpr int kStoredTiles = 2000;

ModelSpec Spec() {
  ModelSpec spec;  // small_cnn, 32 x 32 x 4, 4 classes
  return spec;
}

TileDataset RandomStore() {
  const ModelSpec spec = Spec();
  TileDataset d;
  d.pixels = spec.pixels;
  d.bands = spec.bands;
  std::mt19937_64 gen(1);
  std::uniform_real_distribution<float> reflectance(0.0f, 1.0f);
  std::vector<float> tile(d.tile_values());
  for (int i = 0; i < kStoredTiles; ++i) {
    for (float& v : tile) v = reflectance(gen);
    d.Add(tile.data(), i % spec.num_classes);
  }
  return d;
}

// FLOPs of one call of either loop: kLocalSteps steps of kBatch tiles.
double FlopsPerCall() {
  return static_cast<double>(TrainingFlopsPerImage(Spec())) * kLocalSteps *
         kBatch;
}

// The trainer as a satellite runs it.
class Trainer {
 public:
  Trainer() : store_(RandomStore()), gen_(7) {
    TrainerOptions o;
    o.spec = Spec();
    o.local_steps = kLocalSteps;
    o.batch_size = kBatch;
    trainer_ = std::move(LocalTrainer::Create(o)).value();
    global_ = InitialModel(o.spec, 1).value();
  }
  void Call() {
    absl::StatusOr<TrainResult> r = trainer_->Train(global_, store_, gen_);
    benchmark::DoNotOptimize(r);
  }

 private:
  TileDataset store_;
  std::mt19937_64 gen_;
  std::unique_ptr<LocalTrainer> trainer_;
  proto::Model global_;
};

// The same module and steps with nothing around them.
class BareLoop {
 public:
  BareLoop()
      : net_(Spec()),
        sgd_(net_->parameters(), torch::optim::SGDOptions(0.05)) {
    torch::manual_seed(1);
    x_ = torch::rand({kBatch, Spec().bands, Spec().pixels, Spec().pixels});
    y_ = torch::randint(Spec().num_classes, {kBatch}, torch::kInt64);
    for (const torch::Tensor& p : net_->parameters()) {
      start_.push_back(p.detach().clone());
    }
  }
  void Call() {
    // Every call starts from the same weights, as the trainer's do from the
    // global model: both then compute in the same numeric regime (weights
    // that drift for thousands of steps can turn denormal and slow).
    {
      torch::NoGradGuard no_grad;
      std::vector<torch::Tensor> params = net_->parameters();
      for (size_t i = 0; i < params.size(); ++i) params[i].copy_(start_[i]);
    }
    for (int step = 0; step < kLocalSteps; ++step) {
      sgd_.zero_grad();
      torch::Tensor loss = torch::cross_entropy_loss(net_->forward(x_), y_);
      loss.backward();
      sgd_.step();
      benchmark::DoNotOptimize(loss.item<float>());
    }
  }

 private:
  internal::SmallCnn net_;
  torch::optim::SGD sgd_;
  torch::Tensor x_, y_;
  std::vector<torch::Tensor> start_;
};

void SetRate(benchmark::State& state) {
  state.counters["FLOP/s"] = benchmark::Counter(
      FlopsPerCall(), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["images/s"] = benchmark::Counter(
      kLocalSteps * kBatch, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_LocalTrainer(benchmark::State& state) {
  Trainer trainer;
  for (auto _ : state) trainer.Call();
  SetRate(state);
}
BENCHMARK(BM_LocalTrainer)->Unit(benchmark::kMillisecond);

// The trainer's gradient shards (2) on 1 or 2 threads: the same bytes,
// the second core working on the other half of each batch.
void BM_LocalTrainerThreads(benchmark::State& state) {
  SetComputeThreads(static_cast<int>(state.range(0)));
  Trainer trainer;
  for (auto _ : state) trainer.Call();
  SetComputeThreads(1);
  SetRate(state);
}
BENCHMARK(BM_LocalTrainerThreads)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_BareLoop(benchmark::State& state) {
  internal::PinTorchThreads();
  BareLoop bare;
  for (auto _ : state) bare.Call();
  SetRate(state);
}
BENCHMARK(BM_BareLoop)->Unit(benchmark::kMillisecond);

void BM_TrainerVsBareLoop(benchmark::State& state) {
  Trainer trainer;
  BareLoop bare;
  using Clock = std::chrono::steady_clock;
  Clock::duration trainer_time{}, bare_time{};
  for (auto _ : state) {
    const Clock::time_point t0 = Clock::now();
    trainer.Call();
    const Clock::time_point t1 = Clock::now();
    bare.Call();
    trainer_time += t1 - t0;
    bare_time += Clock::now() - t1;
  }
  const double calls = static_cast<double>(state.iterations());
  const double trainer_rate =
      FlopsPerCall() * calls / std::chrono::duration<double>(trainer_time).count();
  const double bare_rate =
      FlopsPerCall() * calls / std::chrono::duration<double>(bare_time).count();
  state.counters["trainer_GFLOP/s"] = trainer_rate / 1e9;
  state.counters["bare_GFLOP/s"] = bare_rate / 1e9;
  state.counters["ratio"] = trainer_rate / bare_rate;
}
BENCHMARK(BM_TrainerVsBareLoop)->Unit(benchmark::kMillisecond)->MinTime(5.0);

// Evaluation of a global model on a test set of 800 tiles (the demo's),
// as the run does after each aggregation, against a bare forward pass of
// the same module over the same tiles as one pre-built tensor.
constexpr int kTestTiles = 800;

void SetEvalRate(benchmark::State& state) {
  state.counters["images/s"] = benchmark::Counter(
      kTestTiles, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Evaluate(benchmark::State& state) {
  internal::PinTorchThreads();
  std::vector<int64_t> first(kTestTiles);
  for (int i = 0; i < kTestTiles; ++i) first[i] = i;
  const TileDataset test = Subset(RandomStore(), first);
  const proto::Model global = InitialModel(Spec(), 1).value();
  for (auto _ : state) {
    absl::StatusOr<EvalResult> r = Evaluate(Spec(), global, test);
    benchmark::DoNotOptimize(r);
  }
  SetEvalRate(state);
}
BENCHMARK(BM_Evaluate)->Unit(benchmark::kMillisecond);

void BM_BareForward(benchmark::State& state) {
  internal::PinTorchThreads();
  internal::SmallCnn net(Spec());
  net->eval();
  torch::manual_seed(1);
  const torch::Tensor x =
      torch::rand({kTestTiles, Spec().bands, Spec().pixels, Spec().pixels});
  const int64_t batch = state.range(0);
  for (auto _ : state) {
    torch::NoGradGuard no_grad;
    for (int64_t b = 0; b < kTestTiles; b += batch) {
      const torch::Tensor part = x.slice(0, b, std::min<int64_t>(kTestTiles, b + batch));
      benchmark::DoNotOptimize(net->forward(part).sum().item<float>());
    }
  }
  SetEvalRate(state);
}
// Tiles per forward pass: why Evaluate uses batches of 64.
BENCHMARK(BM_BareForward)
    ->Arg(32)
    ->Arg(64)
    ->Arg(256)
    ->Arg(800)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace orbitfl::node

BENCHMARK_MAIN();
