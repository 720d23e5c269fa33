#include "sim/event_loop.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace orbitfl::sim {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1774000000);

TEST(EventLoopTest, RunsByTimeThenInsertionOrder) {
  EventLoop loop(kT0);
  std::vector<std::string> order;
  loop.Schedule(kT0 + absl::Seconds(2), [&] { order.push_back("c"); });
  loop.Schedule(kT0 + absl::Seconds(1), [&] { order.push_back("a"); });
  loop.Schedule(kT0 + absl::Seconds(1), [&] { order.push_back("b"); });
  loop.RunUntil(kT0 + absl::Seconds(10));
  EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(loop.now(), kT0 + absl::Seconds(10));
  EXPECT_EQ(loop.events_run(), 3u);
}

TEST(EventLoopTest, EventsScheduleEventsAndSeeTheirOwnTime) {
  EventLoop loop(kT0);
  std::vector<absl::Time> seen;
  loop.Schedule(kT0 + absl::Seconds(1), [&] {
    seen.push_back(loop.now());
    loop.Schedule(loop.now(), [&] { seen.push_back(loop.now()); });
    loop.Schedule(loop.now() + absl::Seconds(5),
                  [&] { seen.push_back(loop.now()); });
  });
  loop.RunUntil(kT0 + absl::Seconds(3));
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1], kT0 + absl::Seconds(1));
  EXPECT_EQ(loop.pending(), 1u);  // the one at +6 s is beyond `until`
  loop.RunUntil(kT0 + absl::Seconds(6));
  EXPECT_EQ(seen.size(), 3u);
}

TEST(EventLoopTest, CancelledEventsDoNotRun) {
  EventLoop loop(kT0);
  int runs = 0;
  EventId id = loop.Schedule(kT0 + absl::Seconds(1), [&] { ++runs; });
  loop.Schedule(kT0 + absl::Seconds(2), [&] { ++runs; });
  loop.Cancel(id);
  EXPECT_EQ(loop.pending(), 1u);
  loop.RunUntil(kT0 + absl::Seconds(3));
  EXPECT_EQ(runs, 1);
  loop.Cancel(id);  // already gone: a no-op
  EXPECT_EQ(loop.pending(), 0u);
}

TEST(EventLoopTest, PastIsClampedToNowAndStopHalts) {
  EventLoop loop(kT0 + absl::Seconds(5));
  absl::Time ran_at;
  loop.Schedule(kT0, [&] {
    ran_at = loop.now();
    loop.Stop();
  });
  loop.Schedule(kT0 + absl::Seconds(6), [] { FAIL() << "ran after Stop"; });
  loop.RunUntil(kT0 + absl::Seconds(10));
  EXPECT_EQ(ran_at, kT0 + absl::Seconds(5));
  EXPECT_TRUE(loop.stopped());
}

}  // namespace
}  // namespace orbitfl::sim
