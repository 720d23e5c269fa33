#!/usr/bin/python3
"""Ground windows: orbitfl against Skyfield on the same TLEs and stations.

usage: windows_skyfield.py TLE_FILE STATIONS_CSV START_ISO STOP_ISO \
           ORBITFL_CONTACTS_CSV ORBITFL_SECONDS [MAX_SATELLITES]

Times Skyfield's EarthSatellite.find_events for every satellite-station pair
(the peer's cost), then bisects each of its edges on Skyfield's own exact
topocentric altaz() to 1 ms (find_events alone places some edges seconds off;
see ../shared/orbit-references.md in the project notes), and compares those
edges with orbitfl's contacts.csv. Prints the edge differences and the ratio
of seconds per satellite-station-day.
"""
import csv
import sys
import time
from datetime import datetime, timezone

from skyfield.api import EarthSatellite, load, wgs84


def parse_iso(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def read_tles(path):
    lines = [l.rstrip("\r\n") for l in open(path)]
    sats, name = [], None
    for i, line in enumerate(lines):
        if line.startswith("1 ") and i + 1 < len(lines) and lines[i + 1].startswith("2 "):
            label = name or line[2:7].strip()
            sats.append((label, line, lines[i + 1]))
            name = None
        elif not line.startswith("2 ") and line.strip():
            name = line.strip()[2:] if line.startswith("0 ") else line.strip()
    return sats


def main():
    if len(sys.argv) < 7:
        sys.exit(__doc__)
    tle_file, stations_csv, start_iso, stop_iso, contacts_csv, orbitfl_s = sys.argv[1:7]
    max_sats = int(sys.argv[7]) if len(sys.argv) > 7 else None
    ts = load.timescale(builtin=True)
    t0, t1 = ts.from_datetime(parse_iso(start_iso)), ts.from_datetime(parse_iso(stop_iso))
    days = (t1.tt - t0.tt)
    sats = read_tles(tle_file)[:max_sats]
    stations = [r for r in csv.DictReader(open(stations_csv))]

    # The peer's cost: find_events over every pair.
    events = {}
    begin = time.perf_counter()
    for name, l1, l2 in sats:
        sat = EarthSatellite(l1, l2, name, ts)
        for st in stations:
            topos = wgs84.latlon(float(st["lat_deg"]), float(st["lon_deg"]),
                                 elevation_m=float(st["alt_m"] or 0))
            mask = float(st["min_elevation_deg"] or 10)
            t, e = sat.find_events(topos, t0, t1, altitude_degrees=mask)
            events[(name, st["name"])] = (sat, topos, mask, list(zip(t.tt, e)))
    skyfield_s = time.perf_counter() - begin
    pair_days = len(sats) * len(stations) * days

    # Reference edges: bisect find_events' edges on the exact altaz.
    def margin(sat, topos, mask, tt):
        alt, _, _ = (sat - topos).at(ts.tt_jd(tt)).altaz()
        return alt.degrees - mask

    def refine(sat, topos, mask, tt, rising):
        lo, hi = tt - 20 / 86400, tt + 20 / 86400
        for _ in range(40):
            mid = (lo + hi) / 2
            up = margin(sat, topos, mask, mid) >= 0
            if up == rising:
                hi = mid
            else:
                lo = mid
            if (hi - lo) * 86400 < 1e-3:
                break
        return (lo + hi) / 2

    reference = []
    for (name, station), (sat, topos, mask, evs) in events.items():
        rise = t0.tt if margin(sat, topos, mask, t0.tt) >= 0 else None
        for tt, kind in evs:
            if kind == 0:
                rise = refine(sat, topos, mask, tt, True)
            elif kind == 2 and rise is not None:
                reference.append((name, station, rise, refine(sat, topos, mask, tt, False)))
                rise = None
        if rise is not None:
            reference.append((name, station, rise, t1.tt))

    ours = {}
    names = {s[0] for s in sats}
    for row in csv.DictReader(open(contacts_csv)):
        if row["kind"] != "ground" or row["a"] not in names:
            continue
        a, b = ts.from_datetime(parse_iso(row["start_utc"])).tt, ts.from_datetime(parse_iso(row["end_utc"])).tt
        ours.setdefault((row["a"], row["b"]), []).append((a, b))

    worst, diffs, missing = 0.0, [], 0
    for name, station, rise, set_ in reference:
        cands = ours.get((name, station), [])
        match = min(cands, key=lambda w: abs(w[0] - rise), default=None)
        if match is None or abs(match[0] - rise) * 86400 > 30:
            if (set_ - rise) * 86400 > 2:
                missing += 1
            continue
        for d in (abs(match[0] - rise) * 86400, abs(match[1] - set_) * 86400):
            diffs.append(d)
            worst = max(worst, d)
    ours_count = sum(len(v) for v in ours.values())
    diffs.sort()
    p95 = diffs[int(0.95 * (len(diffs) - 1))] if diffs else float("nan")
    orbitfl_s = float(orbitfl_s)
    print(f"pairs: {len(sats)} satellites x {len(stations)} stations x {days:.2f} days")
    print(f"windows: reference {len(reference)}, orbitfl {ours_count}, reference windows not found {missing}")
    print(f"edge difference: worst {worst:.3f} s, 95th percentile {p95:.3f} s")
    print(f"skyfield find_events: {skyfield_s:.3f} s = {1e3 * skyfield_s / pair_days:.3f} ms per satellite-station-day")
    print(f"orbitfl contacts:     {orbitfl_s:.4f} s = {1e3 * orbitfl_s / pair_days:.4f} ms per satellite-station-day")
    print(f"ratio (skyfield / orbitfl): {skyfield_s / orbitfl_s:.0f}x")


if __name__ == "__main__":
    main()
