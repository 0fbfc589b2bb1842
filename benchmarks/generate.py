"""Synthetic flat records for benchmarks and scale tests: custody chains through a network.

Every person follows a custody chain drawn from a Markov model of how detainees move through
Syria's detention system as documentation reports describe it: arrest by a regional branch or
at a checkpoint, transfer to a central branch in Damascus, then Sednaya, a central prison, the
military police or a court, and in the end release, disappearance or death, with the body
handed over at a military hospital. Dates are uncertain the way sources give them (a day, a
month, "about", a year, a range, an open end, or only words). Person names carry the spelling
noise of real files: Latin variants and Arabic script. Every facility and organisation is an
entry of the shipped gazetteer, spelled as files spell it: mostly its English name, sometimes
an alias or its Arabic name, so that ingest has to resolve each spelling to the same node.

The data is synthetic: no row describes a real person.

    python benchmarks/generate.py --persons 150000 --out events.csv   # about 1M rows
    python benchmarks/generate.py --persons 100 --out events.jsonl --format jsonl --seed 7

The output is streamed: memory stays constant whatever the number of persons.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import random
import sys
import time
from pathlib import Path

try:
    from custodygraph.ingest.flat import COLUMNS
except ImportError:  # run from a checkout without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from custodygraph.ingest.flat import COLUMNS  # type: ignore[no-redef]

# --- the network --------------------------------------------------------------------------
#: governorate -> (towns, regional security branches)
GOVERNORATES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Daraa": (("Al-Sanamayn", "Nawa", "Jasim", "Tafas", "Inkhil", "Samad", "Jamlah",
               "Busra al-Sham", "Daraa al-Balad"),
              ("Political Security Branch in Daraa", "Military Security Branch in Daraa",
               "Air Force Intelligence branch in Daraa", "State Security Branch in Daraa")),
    "Rif Dimashq": (("Douma", "Darayya", "Moadamiyat al-Sham", "Zabadani", "Al-Tall", "Qudsaya",
                     "Yabroud", "Harasta"),
                    ("Military Intelligence Branch 227", "Air Force Intelligence branch in "
                     "Harasta", "General Intelligence Branch 251")),
    "Damascus": (("Qaboun", "Barzeh", "Jobar", "Al-Midan", "Kafr Sousa"),
                 ("Raid Branch 215", "Political Security Branch in Damascus",
                  "General Intelligence Branch 251")),
    "Homs": (("Al-Waer", "Talbiseh", "Al-Rastan", "Al-Qusayr", "Bab Amr"),
             ("Military Security Branch 261 in Homs", "Air Force Intelligence branch in Homs",
              "State Security Branch in Homs")),
    "Hama": (("Kafr Zita", "Al-Latamneh", "Souran", "Hama city"),
             ("Air Force Intelligence branch at Hama Military Airport",)),
    "Aleppo": (("Al-Bab", "Manbij", "Azaz", "Al-Sukkari", "Al-Atarib"),
               ("Military Security Branch in Aleppo", "Air Force Intelligence branch in Aleppo",
                "General Intelligence Branch 322 in Aleppo")),
    "Idlib": (("Saraqib", "Maarat al-Numan", "Khan Shaykhun", "Jisr al-Shughur"),
              ("Military Intelligence Branch 271 in Idlib",)),
    "Deir ez-Zor": (("Al-Mayadin", "Al-Bukamal", "Deir ez-Zor city"),
                    ("Military Intelligence Branch 243 in Deir ez-Zor",)),
    "Quneitra": (("Khan Arnabeh", "Jubata al-Khashab"),
                 ("Military Intelligence Branch 220",)),
}
#: how often each governorate is a hometown
GOVERNORATE_WEIGHTS = (24, 20, 10, 12, 7, 9, 7, 4, 4)

CENTRAL_BRANCHES = ("Raid Branch 215", "Palestine Branch", "Military Intelligence Branch 227",
                    "Military Intelligence Branch 216", "General Intelligence Branch 285",
                    "Air Force Intelligence branch at Mezzeh Military Airport",
                    "General Intelligence Branch 251")
PRISONS = {"Sednaya Military Prison": "Damascus", "Damascus Central Prison (Adra)": "Rif Dimashq",
           "Homs Central Prison": "Homs", "Aleppo Central Prison": "Aleppo",
           "Hama Central Prison": "Hama", "al-Balouna Prison": "Homs"}
MILITARY_POLICE = ("Military Police in Qaboun",)
COURTS = ("Military Field Court in Qaboun", "Counter-Terrorism Court")
HOSPITALS = ("Tishreen Military Hospital", "Military Hospital 601")

ARRESTING_UNITS = (("Fourth Armoured Division", "military_unit"),
                   ("Military Police", "military_unit"),
                   ("Military Intelligence Directorate", "intelligence_agency"),
                   ("Air Force Intelligence Directorate", "intelligence_agency"),
                   ("Syrian Police", "police"))
#: conscripts and volunteers serve in a unit (the gazetteer has no entry for the army itself)
ARMY = ("Fourth Armoured Division", "military_unit")
MILITARY_POLICE_ORG = ("Military Police", "military_unit")

# --- names --------------------------------------------------------------------------------
#: (Latin spellings, Arabic)
MALE = (
    (("Muhammad", "Mohammed", "Mohamed", "Mohammad", "Mhammad"), "محمد"),
    (("Ahmad", "Ahmed"), "أحمد"), (("Mahmoud", "Mahmud", "Mahmood"), "محمود"),
    (("Khaled", "Khalid"), "خالد"), (("Omar", "Umar"), "عمر"),
    (("Youssef", "Yousef", "Yusuf"), "يوسف"), (("Hussein", "Husayn", "Hussain"), "حسين"),
    (("Abdulrahman", "Abd al-Rahman", "Abdelrahman"), "عبد الرحمن"),
    (("Mustafa", "Moustafa", "Mostafa"), "مصطفى"), (("Ibrahim", "Ebrahim"), "إبراهيم"),
    (("Ali",), "علي"), (("Hassan", "Hasan"), "حسن"), (("Osama", "Usama", "Oussama"), "أسامة"),
    (("Moath", "Muath", "Mouaz", "Muadh"), "معاذ"), (("Anas",), "أنس"),
    (("Bilal", "Belal"), "بلال"), (("Hamza", "Hamzah"), "حمزة"),
    (("Abdullah", "Abdallah"), "عبد الله"), (("Samer",), "سامر"), (("Fadi",), "فادي"),
    (("Muhannad", "Mohannad"), "مهند"), (("Walid", "Waleed"), "وليد"),
)
FEMALE = (
    (("Fatima", "Fatimah", "Fatma"), "فاطمة"), (("Rania",), "رانيا"),
    (("Amina", "Amena"), "أمينة"), (("Nour", "Nur"), "نور"), (("Hiba", "Heba"), "هبة"),
    (("Mariam", "Maryam"), "مريم"),
)
FAMILY = (
    (("al-Hamad", "Al Hamad", "el-Hamad"), "الحمد"), (("al-Ahmad", "Al-Ahmed"), "الأحمد"),
    (("al-Masri", "Al Masri"), "المصري"), (("al-Hariri", "al-Hariry"), "الحريري"),
    (("al-Zoubi", "al-Zu'bi", "Al Zoabi"), "الزعبي"), (("al-Miqdad", "al-Mekdad"), "المقداد"),
    (("al-Rifai", "al-Refai"), "الرفاعي"), (("Abazeed", "Abazid", "Aba Zaid"), "أبازيد"),
    (("al-Khatib", "al-Khateeb"), "الخطيب"), (("al-Halabi",), "الحلبي"),
    (("al-Homsi",), "الحمصي"), (("Darwish", "Darweesh"), "درويش"),
    (("al-Sheikh", "el-Sheikh"), "الشيخ"), (("Haddad",), "حداد"), (("Kurdi",), "كردي"),
    (("al-Samadi", "al-Smadi"), "الصمادي"), (("al-Naser", "al-Nasser"), "الناصر"),
    (("Qassem", "Kassem", "Qasim"), "قاسم"), (("al-Ali",), "العلي"),
    (("Othman", "Uthman", "Osman"), "عثمان"),
)

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
MONTHS_AR = ("كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب", "أيلول",
             "تشرين الأول", "تشرين الثاني", "كانون الأول")
NOTES = {
    "sighting": ("Seen by a former co-detainee.", "A released detainee recognised him in a "
                 "group cell.", "Seen in the branch's underground cells."),
    "death": ("Died under torture, according to the family.", "Reported dead in custody."),
    "disappearance": ("The family has had no news since.", "Enquiries at the branch were "
                      "turned away."),
    "body_delivery": ("The body bore marks of torture.",),
    "release": ("Released after payment to an intermediary.", "Released under an amnesty."),
}

# --- the custody model ----------------------------------------------------------------------
#: state -> ((next state, weight), ...); a state is the kind of place the person is in
TRANSITIONS: dict[str, tuple[tuple[str, float], ...]] = {
    "regional": (("central", 0.45), ("regional_stay", 0.12), ("prison", 0.1),
                 ("military_police", 0.08), ("sighting", 0.2), ("release", 0.05),
                 ("disappearance", 0.05)),
    "central": (("sednaya", 0.3), ("prison", 0.14), ("military_police", 0.08),
                ("field_court", 0.1), ("sighting", 0.18), ("central", 0.05), ("release", 0.05),
                ("disappearance", 0.07), ("death", 0.05)),
    "sednaya": (("sighting", 0.42), ("field_court", 0.08), ("death", 0.22),
                ("disappearance", 0.22), ("release", 0.08), ("hospital", 0.05)),
    "prison": (("sighting", 0.25), ("terror_court", 0.2), ("release", 0.28), ("sednaya", 0.1),
               ("death", 0.06), ("disappearance", 0.18)),
    "military_police": (("sednaya", 0.3), ("release", 0.2), ("disappearance", 0.3),
                        ("death", 0.1), ("sighting", 0.1)),
    "field_court": (("sednaya", 0.7), ("death", 0.15), ("disappearance", 0.15)),
    "terror_court": (("prison", 0.6), ("release", 0.3), ("sednaya", 0.1)),
    "hospital": (("death", 0.7), ("sednaya", 0.3)),
}
#: the last day of the calendar (the end of 2024)
LAST_DAY = 14 * 360 - 1
CONFIDENCES = ("high", "medium", "low")
CONFIDENCE_WEIGHTS = (25, 55, 20)


#: the transitions as (states, cumulative weights), for random.choices
_STEPS = {state: (tuple(s for s, _ in pairs),
                  tuple(itertools.accumulate(w for _, w in pairs)))
          for state, pairs in TRANSITIONS.items()}


class _Dates:
    """Uncertain dates the way sources write them, moving forward in time for one person."""

    def __init__(self, rng: random.Random, day: int):
        self.rng = rng
        self.day = day  # days since 2011-01-01

    def step(self, mean_days: float) -> None:
        self.day += 1 + int(self.rng.expovariate(1 / mean_days))

    def ymd(self, day: int | None = None) -> tuple[int, int, int]:
        """A 360-day calendar from 2011, stopping at the end of 2024."""
        day = min(self.day if day is None else day, LAST_DAY)
        year, rest = 2011 + day // 360, day % 360
        return year, rest // 30 + 1, rest % 30 % 28 + 1

    def edtf(self, kind: str) -> tuple[str, str, str]:
        """(date, end_date, date_text)."""
        rng = self.rng
        y, m, d = self.ymd()
        roll = rng.random()
        text = ""
        if kind == "disappearance" and roll < 0.5:
            date = f"{y}-{m:02d}/.."
            text = rng.choice((f"since {MONTHS[m - 1]} {y}", "no news since then", ""))
        elif roll < 0.02:
            return "", "", rng.choice(("after the arrest", "later", "some time afterwards",
                                        "بعد فترة"))
        elif roll < 0.30:
            date = f"{y}-{m:02d}-{d:02d}"
        elif roll < 0.58:
            date = f"{y}-{m:02d}"
            text = rng.choice(("", f"{MONTHS[m - 1]} {y}", f"{MONTHS_AR[m - 1]} {y}"))
        elif roll < 0.73:
            date = f"{y}-{m:02d}~"
            text = rng.choice(("", f"around {MONTHS[m - 1]} {y}",
                               f"{'end' if m > 9 else 'early' if m < 4 else 'middle'} of {y}"))
        elif roll < 0.80:
            date = f"{y}"
            text = rng.choice(("", f"in {y}", f"عام {y}"))
        elif roll < 0.85:
            date = f"{y}-{m:02d}?"
        elif roll < 0.88:
            date = f"{y}-{m:02d}-XX"
        else:
            y2, m2, _ = self.ymd(self.day + rng.randint(30, 400))
            date = f"{y}-{m:02d}/{y2}-{m2:02d}"
            text = rng.choice(("", "between the two events", "not dated in the source"))
        end = ""
        if kind == "stay" and "/" not in date and rng.random() < 0.3:
            y2, m2, _ = self.ymd(self.day + rng.randint(31, 500))
            if (y2, m2) > (y, m):
                end = f"{y2}-{m2:02d}"
        return date, end, text


class Generator:
    """Writes persons one at a time; holds only the shared sources seen so far."""

    def __init__(self, seed: int = 0):
        self.rng = random.Random(seed)
        self.reports = [(f"Documentation report {2012 + i // 40}-{i % 40 + 1:02d}", "report",
                         f"{2012 + i // 40}-{i % 12 + 1:02d}") for i in range(480)]
        self.media = [(f"Media report M{i + 1:03d}", "media", f"{2012 + i % 12}")
                      for i in range(200)]
        self.seen: set[str] = set()
        self.govs = list(GOVERNORATES)
        self.spellings: dict[str, tuple[str, ...]] = {}

    def spell(self, name: str) -> str:
        """A facility or organisation as a file may write it: usually the gazetteer's English
        name, one time in five an alias or the Arabic name."""
        if not name or self.rng.random() >= 0.2:
            return name
        names = self.spellings.get(name)
        if names is None:
            from custodygraph.ingest.gazetteer import shipped

            entry = shipped().resolve(name)
            names = self.spellings[name] = entry.names if entry else (name,)
        return self.rng.choice(names)

    # -- persons -----------------------------------------------------------------------------
    def name(self, female: bool) -> tuple[str, str, list[str]]:
        rng = self.rng
        first = rng.choice(FEMALE if female else MALE)
        father = rng.choice(MALE) if rng.random() < 0.4 else None
        family = rng.choice(FAMILY)
        parts = [p for p in (first, father, family) if p]
        spell = [rng.choice(p[0]) for p in parts]
        name = " ".join(spell)
        arabic = " ".join(p[1] for p in parts)
        aliases = []
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            alias = " ".join(rng.choice(p[0]) for p in (parts if rng.random() < 0.6
                                                         else (parts[0], parts[-1])))
            if alias != name and alias not in aliases:
                aliases.append(alias)
        if rng.random() < 0.1:
            aliases.append(name.upper() if rng.random() < 0.5 else name.replace("-", " "))
        return name, arabic, aliases

    def sources(self, pid: str) -> list[tuple[str, str, str, bool]]:
        rng = self.rng
        pool: list[tuple[str, str, str, bool]] = []
        if rng.random() < 0.6:
            pool.append((*rng.choice(self.reports), False))
        if rng.random() < 0.12:
            pool.append((*rng.choice(self.media), False))
        for k in range(rng.choice((1, 1, 1, 2))):
            pool.append((f"Testimony {pid}-T{k + 1}", "testimony",
                         f"{rng.randint(2013, 2024)}", rng.random() < 0.7))
        if rng.random() < 0.1:
            pool.append((f"Family document {pid}", "document", "", False))
        return pool

    # -- events ------------------------------------------------------------------------------
    def chain(self, gov: str, town: str):
        """The events of one person: (event, facility, facility_type, organization,
        organization_type, location, date kind)."""
        rng = self.rng
        towns, branches = GOVERNORATES[gov]
        out = []
        if rng.random() < 0.35:
            out.append(("reconciliation", "", "", "", "", town, "event"))
        if rng.random() < 0.2:
            out.append((rng.choice(("conscription", "enlistment")), "", "", *ARMY, "", "event"))
            if rng.random() < 0.4:
                out.append(("defection", "", "", *ARMY, "", "event"))
        roll = rng.random()
        branch = rng.choice(branches)
        if roll < 0.55:
            out.append(("arrest", branch, "security_branch", branch, "security_branch", "",
                        "event"))
            state = "regional"
        elif roll < 0.72:
            # stopped at a checkpoint near home: the place is the town, not a facility
            unit = rng.choice(ARRESTING_UNITS[:2])
            out.append(("arrest", "", "", *unit, town, "event"))
            out.append(("transfer", branch, "security_branch", "", "", "", "stay"))
            state = "regional"
        elif roll < 0.82:
            out.append(("surrender_under_amnesty", branch, "security_branch", branch,
                        "security_branch", "", "event"))
            state = "regional"
        else:
            out.append(("arrest", "", "", *rng.choice(ARRESTING_UNITS), town, "event"))
            state = "central"
            central = rng.choice(CENTRAL_BRANCHES)
            out.append(("detention", central, "security_branch", "", "", "", "stay"))
        if state == "regional" and rng.random() < 0.75:
            out.append(("detention", branch, "security_branch", "", "", "", "stay"))
        place, kind = branch, "security_branch"
        while len(out) < 16:
            states, cumulative = _STEPS[state]
            step = rng.choices(states, cum_weights=cumulative)[0]
            if step == "regional_stay":
                out.append(("detention", place, kind, "", "", "", "stay"))
                continue
            if step == "sighting":
                out.append(("sighting", place, kind, "", "", "", "event"))
                continue
            if step in ("release", "disappearance"):
                out.append((step, place if step == "release" else "",
                            kind if step == "release" else "", "", "", "", "event"))
                break
            if step == "death":
                if rng.random() < 0.3:
                    out.append(("death", place, kind, "", "", "", "event"))
                out.append(("death_notification", "", "", *MILITARY_POLICE_ORG, town, "event"))
                if rng.random() < 0.45:
                    out.append(("body_delivery", rng.choice(HOSPITALS), "military_hospital",
                                "", "", "", "event"))
                    if rng.random() < 0.3:
                        out.append(("burial", "", "", "", "", town, "event"))
                break
            if step == "central":
                place, kind = rng.choice(CENTRAL_BRANCHES), "security_branch"
            elif step == "sednaya":
                place, kind = "Sednaya Military Prison", "prison"
            elif step == "prison":
                place, kind = rng.choice(list(PRISONS)), "prison"
            elif step == "military_police":
                place, kind = rng.choice(MILITARY_POLICE), "military_police"
            elif step == "hospital":
                place, kind = rng.choice(HOSPITALS), "military_hospital"
            if step in ("field_court", "terror_court"):
                court = COURTS[0] if step == "field_court" else COURTS[1]
                out.append(("trial", court, "court", "", "", "", "event"))
            else:
                out.append(("transfer", place, kind, "", "", "", "stay"))
            state = step
        return out

    def person(self, index: int):
        """The rows of one person, as lists in COLUMNS order."""
        rng = self.rng
        pid = f"GEN-{index:07d}"
        female = rng.random() < 0.08
        name, arabic, aliases = self.name(female)
        gov = rng.choices(self.govs, GOVERNORATE_WEIGHTS)[0]
        town = rng.choice(GOVERNORATES[gov][0])
        pool = self.sources(pid)
        dates = _Dates(rng, rng.randint(60, 3900))
        rows = []
        mine: set[str] = set()
        for number, (event, facility, ftype, org, otype, location, kind) in enumerate(
                self.chain(gov, town), start=1):
            dates.step(200 if kind == "stay" else 60)
            date, end, text = dates.edtf("disappearance" if event == "disappearance" else kind)
            chosen = rng.sample(pool, k=1 if len(pool) == 1 or rng.random() < 0.7 else 2)
            names, types, when, secret = [], [], [], []
            for sname, stype, sdate, sconf in chosen:
                names.append(sname)
                # a source is described on the first row that names it; later rows leave
                # its slots empty, as the format allows
                shared = sname.startswith(("Documentation", "Media"))
                seen = self.seen if shared else mine
                if sname in seen:
                    types.append(""), when.append(""), secret.append("")
                    continue
                seen.add(sname)
                types.append(stype)
                when.append(sdate)
                secret.append("true" if sconf else "false")
            confidence = rng.choices(CONFIDENCES, CONFIDENCE_WEIGHTS)[0]
            notes = rng.choice(NOTES[event]) if event in NOTES and rng.random() < 0.3 else ""
            head = number == 1
            rows.append([
                f"{pid}-{number:02d}", name, pid,
                arabic if head and rng.random() < 0.6 else "",
                "|".join(aliases) if head else "",
                ("female" if female else "male") if head else "",
                str(rng.randint(1950, 2002)) if head and rng.random() < 0.7 else "",
                town if head else "",
                event, date, end, text, str(number), self.spell(facility), ftype,
                self.spell(org), otype, location,
                "|".join(names), _collapse(types), _collapse(when), confidence,
                _collapse(secret), notes,
                "true" if head and rng.random() < 0.03 else "",
            ])
        return rows


def _collapse(values: list[str]) -> str:
    """One value for all sources when they agree, else one per source."""
    return values[0] if len(set(values)) == 1 else "|".join(values)


def generate(persons: int, out: str | Path, seed: int = 0, fmt: str = "csv") -> int:
    """Write the rows of ``persons`` synthetic persons to ``out``; returns the row count.

    The same seed gives the same file. ``fmt`` is "csv" (UTF-8, a header row) or "jsonl".
    """
    if fmt not in ("csv", "jsonl"):
        raise ValueError(f"unknown format {fmt!r}; use csv or jsonl")
    gen = Generator(seed)
    count = 0
    with open(out, "w", encoding="utf-8", newline="") as fh:
        if fmt == "csv":
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(COLUMNS)
            for index in range(1, persons + 1):
                rows = gen.person(index)
                writer.writerows(rows)
                count += len(rows)
        else:
            dumps = json.dumps
            for index in range(1, persons + 1):
                for row in gen.person(index):
                    fh.write(dumps({k: v for k, v in zip(COLUMNS, row) if v},
                                   ensure_ascii=False))
                    fh.write("\n")
                    count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write synthetic flat records (custody "
                                     "chains) for benchmarks.")
    parser.add_argument("--persons", type=int, required=True,
                        help="how many persons (about 6.5 rows each)")
    parser.add_argument("--out", required=True, help="the file to write")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--format", choices=("csv", "jsonl"), default="csv", dest="fmt")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows = generate(args.persons, args.out, seed=args.seed, fmt=args.fmt)
    took = time.perf_counter() - started
    print(f"{rows} rows for {args.persons} persons in {took:.1f} s "
          f"({rows / took:,.0f} rows/s) -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
