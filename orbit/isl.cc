#include "orbit/isl.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"

#include "orbit/isl_scan.h"

namespace orbitfl::orbit {
namespace {

using isl_internal::ScanContext;
using isl_internal::SliceScan;
using isl_internal::SliceWindows;
using isl_internal::RawWindow;
using isl_internal::LinkModel;
using isl_internal::ByStartAB;
using isl_internal::Minus;
using isl_internal::Clearance;
using isl_internal::kSeriesBlock;

absl::Status Invalid(const std::string& field, const std::string& expected) {
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": expected ", expected));
}

absl::Status Validate(const std::vector<const Propagator*>& satellites,
                      const std::vector<SatelliteSlot>& slots,
                      const IslOptions& o) {
  for (const auto& [name, t] :
       {std::pair{"isl.start", o.start}, std::pair{"isl.stop", o.stop}}) {
    if (t == absl::InfiniteFuture() || t == absl::InfinitePast()) {
      return Invalid(name, "a finite time");
    }
  }
  if (o.stop <= o.start) {
    return Invalid("isl.stop",
                   absl::StrCat("> start (", absl::FormatTime(o.start),
                                "), got ", absl::FormatTime(o.stop)));
  }
  if (o.scan_step <= absl::ZeroDuration()) {
    return Invalid(
        "isl.scan_step",
        absl::StrCat("> 0, got ", absl::FormatDuration(o.scan_step)));
  }
  if (o.tolerance <= absl::ZeroDuration()) {
    return Invalid(
        "isl.tolerance",
        absl::StrCat("> 0, got ", absl::FormatDuration(o.tolerance)));
  }
  if (!(o.max_range_km > 0) || !std::isfinite(o.max_range_km)) {
    return Invalid("isl.max_range_km",
                   absl::StrCat("a finite range > 0, got ", o.max_range_km));
  }
  if (!(o.grazing_altitude_km >= 0) || !std::isfinite(o.grazing_altitude_km)) {
    return Invalid(
        "isl.grazing_altitude_km",
        absl::StrCat("a finite altitude >= 0, got ", o.grazing_altitude_km));
  }
  if (o.num_threads < 1) {
    return Invalid("isl.num_threads",
                   absl::StrCat(">= 1, got ", o.num_threads));
  }
  if (o.policy != IslPolicy::kAnyInRange &&
      o.policy != IslPolicy::kSamePlaneNeighbours &&
      o.policy != IslPolicy::kPlusGrid) {
    return Invalid("isl.policy", absl::StrCat("a known IslPolicy, got ",
                                              static_cast<int>(o.policy)));
  }
  for (size_t i = 0; i < satellites.size(); ++i) {
    if (satellites[i] == nullptr) {
      return Invalid(absl::StrCat("satellites[", i, "]"),
                     "a propagator, got null");
    }
  }
  const bool needs_slots = o.policy != IslPolicy::kAnyInRange;
  if ((needs_slots || !slots.empty()) && slots.size() != satellites.size()) {
    return Invalid("slots",
                   absl::StrCat("one per satellite (", satellites.size(), ")",
                                needs_slots ? " for this policy" : "", ", got ",
                                slots.size()));
  }
  absl::flat_hash_map<std::pair<int, int>, size_t> seen;
  for (size_t i = 0; i < slots.size(); ++i) {
    const SatelliteSlot& s = slots[i];
    if (s.plane < 0 || s.slot < 0) {
      return Invalid(absl::StrCat("slots[", i, "]"),
                     absl::StrCat("plane >= 0 and slot >= 0, got plane ",
                                  s.plane, " slot ", s.slot));
    }
    const auto [it, inserted] = seen.emplace(std::pair{s.plane, s.slot}, i);
    if (!inserted) {
      return Invalid(
          absl::StrCat("slots[", i, "]"),
          absl::StrCat("a (plane, slot) of its own, got plane ", s.plane,
                       " slot ", s.slot, " as slots[", it->second, "]"));
    }
  }
  return absl::OkStatus();
}

// Partners b > a per satellite under a neighbour policy.
std::vector<std::vector<int>> PolicyPartners(
    const std::vector<SatelliteSlot>& slots, IslPolicy policy) {
  absl::flat_hash_map<std::pair<int, int>, int> index;
  int num_planes = 0;
  absl::flat_hash_map<int, int> slots_in_plane;
  for (int i = 0; i < static_cast<int>(slots.size()); ++i) {
    index[{slots[i].plane, slots[i].slot}] = i;
    num_planes = std::max(num_planes, slots[i].plane + 1);
    int& count = slots_in_plane[slots[i].plane];
    count = std::max(count, slots[i].slot + 1);
  }
  std::vector<std::vector<int>> partners(slots.size());
  for (int i = 0; i < static_cast<int>(slots.size()); ++i) {
    const int p = slots[i].plane, s = slots[i].slot;
    const int n = slots_in_plane[p];
    std::vector<std::pair<int, int>> wanted = {{p, (s + 1) % n},
                                               {p, (s + n - 1) % n}};
    if (policy == IslPolicy::kPlusGrid) {
      wanted.push_back({(p + 1) % num_planes, s});
      wanted.push_back({(p + num_planes - 1) % num_planes, s});
    }
    for (const auto& key : wanted) {
      const auto it = index.find(key);
      if (it != index.end() && it->second > i) {
        partners[i].push_back(it->second);
      }
    }
    std::sort(partners[i].begin(), partners[i].end());
    partners[i].erase(std::unique(partners[i].begin(), partners[i].end()),
                      partners[i].end());
  }
  return partners;
}

uint64_t PairKey(const IslWindow& w) {
  return static_cast<uint64_t>(w.a) << 32 | static_cast<uint32_t>(w.b);
}

// Joins windows cut at slice boundaries and returns them in (start, a, b)
// order: each slice's windows start no earlier than the slice, and a
// joined window keeps its first piece's place.
std::vector<IslWindow> Stitch(std::vector<SliceWindows> slices) {
  // Windows open at the current boundary: pair -> (slice, index).
  absl::flat_hash_map<uint64_t, std::pair<size_t, size_t>> pending;
  std::vector<std::vector<char>> dropped(slices.size());
  size_t total = 0;
  for (size_t s = 0; s < slices.size(); ++s) {
    std::vector<RawWindow>& pieces = slices[s].windows;
    dropped[s].assign(pieces.size(), 0);
    absl::flat_hash_map<uint64_t, std::pair<size_t, size_t>> next;
    for (size_t i = 0; i < pieces.size(); ++i) {
      const RawWindow& piece = pieces[i];
      const uint64_t key = PairKey(piece.window);
      std::pair<size_t, size_t> owner{s, i};
      const auto it = piece.open_at_start() ? pending.find(key) : pending.end();
      if (it != pending.end()) {
        owner = it->second;
        IslWindow& first = slices[owner.first].windows[owner.second].window;
        first.end = piece.window.end;
        first.min_range_km =
            std::min(first.min_range_km, piece.window.min_range_km);
        dropped[s][i] = 1;
      } else {
        ++total;
      }
      if (piece.open_at_end) next[key] = owner;
    }
    pending = std::move(next);
  }
  std::vector<IslWindow> windows;
  windows.reserve(total);
  for (size_t s = 0; s < slices.size(); ++s) {
    for (uint32_t i : slices[s].order) {
      if (!dropped[s][i]) windows.push_back(slices[s].windows[i].window);
    }
    slices[s] = SliceWindows();  // release as we go
  }
  return windows;
}

}  // namespace

double SegmentClearanceKm(const Vec3& a_km, const Vec3& b_km) {
  const Vec3 d = Minus(b_km, a_km);
  return Clearance(a_km, d, Dot(d, d));
}

absl::StatusOr<std::vector<IslWindow>> FindIslWindows(
    const std::vector<const Propagator*>& satellites,
    const std::vector<SatelliteSlot>& slots, const IslOptions& options) {
  if (absl::Status s = Validate(satellites, slots, options); !s.ok()) {
    return s;
  }
  if (satellites.size() < 2) return std::vector<IslWindow>{};
  ScanContext ctx;
  ctx.satellites = &satellites;
  ctx.options = options;
  ctx.link = LinkModel(options.max_range_km,
                       kEarthEquatorialRadiusKm + options.grazing_altitude_km);
  if (options.policy != IslPolicy::kAnyInRange) {
    ctx.partners = PolicyPartners(slots, options.policy);
  }
  absl::Duration remainder;
  ctx.num_steps = absl::IDivDuration(options.stop - options.start,
                                     options.scan_step, &remainder);
  if (remainder > absl::ZeroDuration()) ++ctx.num_steps;

  // Contiguous slices of whole steps; neighbours share a boundary sample.
  const int64_t num_slices =
      std::min<int64_t>(options.num_threads, ctx.num_steps);
  std::vector<SliceWindows> slices(num_slices);
  auto run = [&ctx, &slices, num_slices](int64_t s) {
    const int64_t first = ctx.num_steps * s / num_slices;
    const int64_t last = ctx.num_steps * (s + 1) / num_slices;
    slices[s] = SliceScan(ctx, first, last).Run();
  };
  std::vector<std::thread> threads;
  for (int64_t s = 1; s < num_slices; ++s) threads.emplace_back(run, s);
  run(0);
  for (std::thread& t : threads) t.join();
  std::vector<IslWindow> windows = Stitch(std::move(slices));
  // Stitch keeps the order; this only guards it.
  if (!std::is_sorted(windows.begin(), windows.end(), ByStartAB)) {
    std::sort(windows.begin(), windows.end(), ByStartAB);
  }
  return windows;
}

}  // namespace orbitfl::orbit
