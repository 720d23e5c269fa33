#!/usr/bin/python3
"""Writes windows_fixture.tle, windows_fixture_stations.csv and
windows_fixture.csv: ground windows computed by Skyfield (Debian's
python3-skyfield) for hand-built orbits, with every edge bisected to 1 ms on
Skyfield's exact topocentric altaz() (find_events alone can be seconds off).

Run from the repository root:  /usr/bin/python3 tests/orbit/testdata/make_windows_fixture.py
"""
import math
import os
from datetime import datetime, timedelta, timezone

from skyfield.api import EarthSatellite, load, wgs84

HERE = os.path.dirname(os.path.abspath(__file__))
EPOCH = datetime(2026, 3, 20, 0, 0, 0, tzinfo=timezone.utc)
ts = load.timescale(builtin=True)

# name, inclination, eccentricity, mean motion rev/day, raan, argp, mean anomaly
ORBITS = [
    ("POLAR-SSO", 97.6, 0.0012, 15.05, 30.0, 90.0, 10.0),
    ("ISS-LIKE", 51.64, 0.0005, 15.50, 200.0, 60.0, 300.0),
    ("EQUATORIAL", 0.5, 0.0008, 14.80, 0.0, 0.0, 180.0),
    ("MOLNIYA", 63.4, 0.72, 2.006, 80.0, 270.0, 20.0),
    ("GEO-DEEP", 0.05, 0.0002, 1.0027, 95.0, 0.0, 70.0),
]
STATIONS = [
    ("Svalbard", 78.23, 15.39, 500, 5),
    ("Quito", -0.20, -78.50, 2800, 10),
    ("Perth", -31.95, 115.86, 20, 0),
    ("Fairbanks", 64.86, -147.85, 200, 10),
    ("Wallops", 37.94, -75.47, 10, 5),
]
HOURS = 24


def checksum(line):
    return sum(int(c) if c.isdigit() else (1 if c == '-' else 0) for c in line[:68]) % 10


def expo(x):
    """TLE's implied-decimal exponent field, e.g. 2.0e-5 -> ' 20000-4'."""
    if x == 0:
        return ' 00000-0'
    e = math.floor(math.log10(abs(x))) + 1
    m = round(abs(x) / 10 ** e * 1e5)
    return f"{'-' if x < 0 else ' '}{m:05d}{'-' if e < 0 else '+'}{abs(e)}"


def make_tle(index, name, inc, ecc, n_rev_day, raan, argp, ma):
    yy = EPOCH.year % 100
    doy = (EPOCH - datetime(EPOCH.year, 1, 1, tzinfo=timezone.utc)).total_seconds() / 86400 + 1
    bstar = 2.0e-5 if n_rev_day > 10 else 0.0
    satnum = 90000 + index
    l1 = f"1 {satnum:05d}U 26001{chr(65 + index)}   {yy:02d}{doy:012.8f}  .00000000  00000-0 {expo(bstar)} 0  999"
    l2 = (f"2 {satnum:05d} {inc:8.4f} {raan:8.4f} {round(ecc * 1e7):07d} {argp:8.4f} "
          f"{ma:8.4f} {n_rev_day:11.8f}    1")
    l1, l2 = l1 + str(checksum(l1)), l2 + str(checksum(l2))
    assert len(l1) == 69 and len(l2) == 69, (l1, l2)
    return name, l1, l2


def altitude(sat, topos, tt):
    alt, _, _ = (sat - topos).at(ts.tt_jd(tt)).altaz()
    return alt.degrees


def bisect(sat, topos, mask, lo, hi, rising):
    # lo/hi in TT Julian days, margin changes sign in between.
    for _ in range(60):
        mid = (lo + hi) / 2
        if (altitude(sat, topos, mid) >= mask) == rising:
            hi = mid
        else:
            lo = mid
        if (hi - lo) * 86400 < 1e-4:
            break
    return (lo + hi) / 2


def iso(tt):
    # Rounded to the millisecond (a float Julian date carries ~20 us noise).
    dt = ts.tt_jd(tt).utc_datetime() + timedelta(microseconds=500)
    return dt.strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3] + 'Z'


def main():
    tles = [make_tle(i, *o) for i, o in enumerate(ORBITS)]
    # Start in the middle of the first POLAR-SSO pass over Svalbard, so one
    # window is already open at the start.
    polar = EarthSatellite(tles[0][1], tles[0][2], tles[0][0], ts)
    sval = wgs84.latlon(STATIONS[0][1], STATIONS[0][2], elevation_m=STATIONS[0][3])
    t, e = polar.find_events(sval, ts.from_datetime(EPOCH), ts.from_datetime(EPOCH + timedelta(hours=6)),
                             altitude_degrees=STATIONS[0][4])
    culmination = [tt for tt, ev in zip(t.tt, e) if ev == 1][0]
    start = ts.tt_jd(culmination).utc_datetime().replace(microsecond=0)
    stop = start + timedelta(hours=HOURS)
    t0, t1 = ts.from_datetime(start), ts.from_datetime(stop)

    with open(os.path.join(HERE, 'windows_fixture.tle'), 'w') as f:
        for name, l1, l2 in tles:
            f.write(f'{name}\n{l1}\n{l2}\n')
    with open(os.path.join(HERE, 'windows_fixture_stations.csv'), 'w') as f:
        f.write('name,lat_deg,lon_deg,alt_m,min_elevation_deg\n')
        for s in STATIONS:
            f.write(','.join(str(v) for v in s) + '\n')
    rows = []
    step = 10 / 86400  # 10 s scan on the exact altitude, then bisection
    for name, l1, l2 in tles:
        sat = EarthSatellite(l1, l2, name, ts)
        for sname, lat, lon, alt_m, mask in STATIONS:
            topos = wgs84.latlon(lat, lon, elevation_m=alt_m)
            tt = t0.tt
            up = altitude(sat, topos, tt) >= mask
            rise = tt if up else None
            peak = -90.0
            while tt < t1.tt:
                nxt = min(tt + step, t1.tt)
                a = altitude(sat, topos, nxt)
                now_up = a >= mask
                if now_up and not up:
                    rise = bisect(sat, topos, mask, tt, nxt, True)
                    peak = a
                elif up and not now_up:
                    rows.append((name, sname, rise, bisect(sat, topos, mask, tt, nxt, False), peak))
                    rise, peak = None, -90.0
                if now_up:
                    peak = max(peak, a)
                up, tt = now_up, nxt
            if up:
                rows.append((name, sname, rise, t1.tt, peak))
    rows.sort(key=lambda r: (r[2], r[0], r[1]))
    with open(os.path.join(HERE, 'windows_fixture.csv'), 'w') as f:
        f.write(f'# start {iso(t0.tt)} stop {iso(t1.tt)}; Skyfield edges bisected to 0.1 ms\n')
        f.write('satellite,station,start_utc,end_utc,max_elevation_deg\n')
        for name, sname, a, b, peak in rows:
            f.write(f'{name},{sname},{iso(a)},{iso(b)},{peak:.3f}\n')
    print(f'{len(rows)} windows from {iso(t0.tt)} to {iso(t1.tt)}')


if __name__ == '__main__':
    main()
