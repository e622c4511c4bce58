"""The site classes of the shaped peer scenario, in one place for both programs.

    python3 shapes.py toml > ../peer-shapes.toml         # survsim's scenario (checked in)
    python3 shapes.py args                               # the SimPy peer's --site-class arguments
    python3 shapes.py xcheck-toml > xcheck-shapes.toml   # the small city of the cross-check
    python3 shapes.py xcheck-args

500 sites in four classes, each with its own footfall per hour of the day (people passing,
from 00:00), about 2,000 an hour on average as in peer-10m; everything else is peer-10m's.
The shapes are assumptions for a benchmark, not a model of any place. The cross-check's city is
xcheck.toml's (200,000 residents, 50 wanted) with ten sites of the four shapes (4, 3, 2, 1)."""
import sys

CLASSES = [
    # name, sites, footfall per hour from 00:00
    ("commuter", 200, [200, 100, 50, 50, 100, 600, 2500, 5000, 6000, 3500, 2000, 1800,
                       2000, 1900, 1800, 2200, 3500, 5500, 4000, 2200, 1400, 900, 500, 300]),
    ("shopping", 150, [20, 10, 10, 10, 10, 50, 200, 800, 2000, 3500, 4500, 5200,
                       5600, 5600, 5200, 4800, 4300, 3400, 2400, 1600, 900, 500, 200, 60]),
    ("night", 100, [4200, 3400, 2400, 1200, 400, 100, 50, 50, 50, 100, 300, 600,
                    900, 1100, 1300, 1600, 2000, 2800, 3600, 4400, 5000, 5400, 5600, 5500]),
    ("event", 50, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                   0, 0, 2000, 4000, 9000, 16000, 4000, 1000, 9000, 6000, 2000, 0]),
]

HEAD = '''# The SimPy peer's shaped scenario (benches/simpy/README.md):
# {what},
# with sites in four classes of different hourly shapes. Written by
# `python3 benches/simpy/shapes.py {command}`; every figure is a benchmark
# assumption, not a model of any place.
[simulation]
name = "{name}"
description = "Against the SimPy peer: {sites} sites of four hourly shapes"
duration = "24h"
seed = 7

[population]
residents = {residents}

[[population.groups]]
name = "a"
share = 0.7
fmr_multiplier = 1.0

[[population.groups]]
name = "b"
share = 0.3
fmr_multiplier = 10.0
'''

TAIL = '''
[watchlist]
size = 10_000
wanted_present = WANTED_PRESENT
group_mix = { a = 1.0 }

[matcher]
profile = "neoface-v4-npl2023"
threshold = 0.6

[review]
operators = 1
review_time = { dist = "exponential", mean = "60s" }
p_confirm_true = 0.9
p_confirm_false = 0.4

[intervention]
officers = 2
window = "3m"
approach_time = "0s"
stop_duration = { dist = "exponential", mean = "10m" }
p_arrest_correct = 0.8
p_arrest_wrongful = 0.2
'''


# The cross-check's sites per class.
XCHECK_SITES = [4, 3, 2, 1]


def classes(xcheck):
    if not xcheck:
        return CLASSES
    return [(name, n, per_hour) for (name, _, per_hour), n in zip(CLASSES, XCHECK_SITES)]


def toml(xcheck):
    head = HEAD.format(
        what="xcheck.toml's city (200,000 residents, 50 wanted, one day)" if xcheck
        else "peer-10m's city (10 M residents, 200 wanted, one day)",
        command="xcheck-toml" if xcheck else "toml",
        name="peer-xcheck-shapes" if xcheck else "peer-shapes",
        sites=sum(n for _, n, _ in classes(xcheck)),
        residents="200_000" if xcheck else "10_000_000")
    out = [head]
    for name, sites, per_hour in classes(xcheck):
        hours = ", ".join(str(f) for f in per_hour)
        for i in range(sites):
            out.append(f'\n[[sites]]\nname = "{name}-{i}"\n'
                       f'footfall_per_hour = [{hours}]\ncapture_share = 0.8\n')
    out.append(TAIL.replace("WANTED_PRESENT", "50" if xcheck else "200"))
    return "".join(out)


def args(xcheck):
    return " ".join(f"--site-class {name}:{sites}:{','.join(str(f) for f in per_hour)}"
                    for name, sites, per_hour in classes(xcheck))


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else ""
    xcheck = what.startswith("xcheck-")
    what = what.removeprefix("xcheck-")
    if what == "toml":
        sys.stdout.write(toml(xcheck))
    elif what == "args":
        print(args(xcheck))
    else:
        sys.exit("usage: shapes.py [xcheck-]toml|[xcheck-]args")
