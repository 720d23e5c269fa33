#include "node/parallel.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

namespace orbitfl::node {
namespace {

class Pool {
 public:
  ~Pool() { Resize(1); }

  void Resize(int threads) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : workers_) t.join();
    workers_.clear();
    stopping_ = false;
    threads_ = std::max(1, threads);
    for (int i = 1; i < threads_; ++i) {
      workers_.emplace_back([this] { Work(); });
    }
  }

  int threads() const { return threads_; }

  void RunAll(const std::vector<std::function<void()>>& tasks) {
    if (tasks.empty()) return;
    if (threads_ == 1 || tasks.size() == 1) {
      for (const auto& task : tasks) task();
      return;
    }
    int pending = static_cast<int>(tasks.size()) - 1;
    std::mutex done_mu;
    std::condition_variable done;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (size_t i = 1; i < tasks.size(); ++i) {
        queue_.push_back([&, i] {
          tasks[i]();
          std::lock_guard<std::mutex> l(done_mu);
          if (--pending == 0) done.notify_one();
        });
      }
    }
    wake_.notify_all();
    tasks[0]();
    std::unique_lock<std::mutex> lock(done_mu);
    done.wait(lock, [&] { return pending == 0; });
  }

 private:
  void Work() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock<std::mutex> lock(mu_);
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      task();
    }
  }

  int threads_ = 1;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

Pool& Shared() {
  static Pool* pool = new Pool();  // never destroyed: workers outlive main
  return *pool;
}

}  // namespace

void SetComputeThreads(int threads) { Shared().Resize(threads); }
int ComputeThreads() { return Shared().threads(); }
void RunAll(const std::vector<std::function<void()>>& tasks) {
  Shared().RunAll(tasks);
}

}  // namespace orbitfl::node
