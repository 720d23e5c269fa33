#ifndef ORBITFL_SIM_EVENT_LOOP_H_
#define ORBITFL_SIM_EVENT_LOOP_H_

// The discrete-event loop on the virtual UTC clock. Events run in order of
// (time, insertion number), so equal times run in the order they were
// scheduled and a run is repeatable bit for bit (ns-3's scheduler, without
// its global singleton: the loop is owned by the run).

#include <cstdint>
#include <functional>
#include <queue>
#include <set>
#include <vector>

#include "absl/time/time.h"

namespace orbitfl::sim {

using EventId = uint64_t;

class EventLoop {
 public:
  explicit EventLoop(absl::Time start) : now_(start) {}

  // Schedules `fn` at `at` (clamped to now: the past cannot be scheduled).
  EventId Schedule(absl::Time at, std::function<void()> fn);
  // A cancelled event does not run; cancelling a run event is a no-op.
  void Cancel(EventId id);
  // Runs events with time <= `until`, then sets the clock to `until`.
  // `after_each` (optional) runs after every event, e.g. for progress.
  void RunUntil(absl::Time until,
                const std::function<void()>& after_each = nullptr);

  // Makes RunUntil return after the current event (e.g. on an error).
  void Stop() { stopped_ = true; }
  bool stopped() const { return stopped_; }

  absl::Time now() const { return now_; }
  uint64_t events_run() const { return events_run_; }
  size_t pending() const { return live_.size(); }

 private:
  struct Event {
    absl::Time at;
    EventId id;
    std::function<void()> fn;
  };
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      return a.at != b.at ? a.at > b.at : a.id > b.id;
    }
  };
  absl::Time now_;
  EventId next_id_ = 1;
  uint64_t events_run_ = 0;
  bool stopped_ = false;
  std::priority_queue<Event, std::vector<Event>, Later> queue_;
  std::set<EventId> live_;  // scheduled, neither run nor cancelled
};

}  // namespace orbitfl::sim

#endif  // ORBITFL_SIM_EVENT_LOOP_H_
