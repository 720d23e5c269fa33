#include "sim/event_loop.h"

#include <utility>

namespace orbitfl::sim {

EventId EventLoop::Schedule(absl::Time at, std::function<void()> fn) {
  const EventId id = next_id_++;
  live_.insert(id);
  queue_.push(Event{at < now_ ? now_ : at, id, std::move(fn)});
  return id;
}

void EventLoop::Cancel(EventId id) {
  live_.erase(id);
}

void EventLoop::RunUntil(absl::Time until,
                         const std::function<void()>& after_each) {
  while (!stopped_ && !queue_.empty() && queue_.top().at <= until) {
    // Move the event out before running it: it may schedule others.
    Event e = std::move(const_cast<Event&>(queue_.top()));
    queue_.pop();
    if (live_.erase(e.id) == 0) continue;  // cancelled
    now_ = e.at;
    e.fn();
    ++events_run_;
    if (after_each) after_each();
  }
  if (!stopped_ && until > now_) now_ = until;
}

}  // namespace orbitfl::sim
