"""How fast candidate_pairs runs on many persons, and how many planted duplicates it finds.

Generates realistic, noisy person records: Arabic names built of given name, father's name,
sometimes a grandfather's, and family name, each written in one of its common Latin
spellings or in Arabic script, with ranks, honorifics and family-first order now and then.
One identity in six is recorded twice, spelt differently (the duplicates a reviewer should
be shown). Then it times ``candidate_pairs`` and reports how many of the planted duplicates
it proposes.

    python benchmarks/names_bench.py                 # 150,000 persons
    python benchmarks/names_bench.py --persons 20000 --seed 7

All names are invented from common name parts; no real person's record is used. Needs
custodygraph installed (``pip install -e .``).
"""

from __future__ import annotations

import argparse
import random
import resource
import time

from custodygraph.ingest import names

# name part: (Latin spellings, Arabic spelling); the first spelling is the most common
GIVEN = [
    (["Muhammad", "Mohammed", "Mohammad", "Mohamad", "Muhammed", "Mhd"], "محمد"),
    (["Ahmad", "Ahmed"], "أحمد"),
    (["Mahmoud", "Mahmud", "Mahmood"], "محمود"),
    (["Mustafa", "Moustafa", "Mostafa"], "مصطفى"),
    (["Youssef", "Yousef", "Yusuf"], "يوسف"),
    (["Osama", "Usama", "Oussama"], "أسامة"),
    (["Omar", "Umar"], "عمر"),
    (["Khaled", "Khalid"], "خالد"),
    (["Hussein", "Husayn", "Hussain"], "حسين"),
    (["Hassan", "Hasan"], "حسن"),
    (["Ali", "Aly"], "علي"),
    (["Ibrahim", "Ebrahim"], "إبراهيم"),
    (["Abdulrahman", "Abd al-Rahman", "Abdelrahman"], "عبد الرحمن"),
    (["Abdullah", "Abdallah"], "عبد الله"),
    (["Abdulaziz", "Abd al-Aziz"], "عبد العزيز"),
    (["Abdulkarim", "Abdelkarim"], "عبد الكريم"),
    (["Nour al-Din", "Nureddin"], "نور الدين"),
    (["Moath", "Muath", "Muadh"], "معاذ"),
    (["Muhannad", "Mohannad"], "مهند"),
    (["Walid", "Waleed"], "وليد"),
    (["Ziad", "Ziyad"], "زياد"),
    (["Tareq", "Tariq", "Tarek"], "طارق"),
    (["Qasim", "Kassem", "Qassem"], "قاسم"),
    (["Samer"], "سامر"),
    (["Samir", "Sameer"], "سمير"),
    (["Bassam"], "بسام"),
    (["Haytham", "Haitham"], "هيثم"),
    (["Anas"], "أنس"),
    (["Hamza", "Hamzah"], "حمزة"),
    (["Bilal"], "بلال"),
    (["Jamal"], "جمال"),
    (["Rami"], "رامي"),
    (["Fadi"], "فادي"),
    (["Majd"], "مجد"),
    (["Eyad", "Iyad"], "إياد"),
    (["Imad", "Emad"], "عماد"),
    (["Nizar"], "نزار"),
    (["Yahya", "Yehia"], "يحيى"),
    (["Saleh", "Salih"], "صالح"),
    (["Othman", "Uthman"], "عثمان"),
    (["Ammar", "Amar"], "عمار"),
    (["Ayman", "Aiman"], "أيمن"),
    (["Marwan"], "مروان"),
    (["Firas", "Feras"], "فراس"),
    (["Wael"], "وائل"),
    (["Ghassan"], "غسان"),
    (["Jihad", "Jehad"], "جهاد"),
    (["Obaida", "Ubayda"], "عبيدة"),
    (["Radwan", "Redwan"], "رضوان"),
    (["Yasser", "Yaser"], "ياسر"),
    (["Hani"], "هاني"),
    (["Adel", "Adil"], "عادل"),
    (["Mazen"], "مازن"),
    (["Nabil", "Nabeel"], "نبيل"),
    (["Karim", "Kareem"], "كريم"),
    (["Wissam", "Wesam"], "وسام"),
    (["Louay", "Luay"], "لؤي"),
    (["Fatima", "Fatimah"], "فاطمة"),
    (["Aisha", "Aysha"], "عائشة"),
    (["Maryam", "Mariam"], "مريم"),
    (["Zainab", "Zeinab"], "زينب"),
    (["Heba", "Hiba"], "هبة"),
    (["Khadija"], "خديجة"),
    (["Rasha"], "رشا"),
    (["Noor", "Nour"], "نور"),
]
FAMILY = [
    (["al-Hariri", "Hariri", "Al Hariri"], "الحريري"),
    (["al-Zoubi", "al-Zu'bi", "Zoubi"], "الزعبي"),
    (["al-Masalmeh", "al-Masalma"], "المسالمة"),
    (["al-Smadi", "al-Samadi"], "الصمادي"),
    (["al-Ahmad", "el-Ahmad"], "الأحمد"),
    (["al-Khatib", "al-Khateeb"], "الخطيب"),
    (["al-Hamad"], "الحمد"),
    (["al-Masri", "al-Masry"], "المصري"),
    (["Abazeid", "Abazaid"], "أبازيد"),
    (["al-Rifai", "al-Rifa'i"], "الرفاعي"),
    (["al-Halabi", "Halabi"], "الحلبي"),
    (["al-Shami", "ash-Shami"], "الشامي"),
    (["al-Kurdi", "Kurdi"], "الكردي"),
    (["al-Hamwi", "al-Hamawi"], "الحموي"),
    (["Haddad", "al-Haddad"], "الحداد"),
    (["Kanaan", "Kan'an"], "كنعان"),
    (["al-Sayed", "as-Sayyed"], "السيد"),
    (["al-Qassab", "Kassab"], "القصاب"),
    (["al-Tal", "al-Tell"], "التل"),
    (["al-Jabawi"], "الجباوي"),
    (["al-Miqdad", "al-Mekdad"], "المقداد"),
    (["al-Akrad"], "الأكراد"),
    (["Ayyash", "Ayash"], "عياش"),
    (["al-Dalati"], "الدالاتي"),
    (["Bakkour", "Bakour"], "بكور"),
    (["al-Omari", "al-Umari"], "العمري"),
    (["al-Naimi", "al-Nuaimi"], "النعيمي"),
    (["al-Shaar", "al-Sha'ar"], "الشعار"),
    (["Hijazi", "Hejazi"], "حجازي"),
    (["Darwish", "Darweesh"], "درويش"),
    (["al-Sabbagh", "Sabbagh"], "الصباغ"),
    (["al-Issa", "al-Eissa"], "العيسى"),
    (["Barakat"], "بركات"),
    (["Suleiman", "Sulayman", "Sleiman"], "سليمان"),
    (["al-Hourani", "Hourani"], "الحوراني"),
    (["al-Shehabi", "al-Shihabi"], "الشهابي"),
    (["Mansour", "Mansur"], "منصور"),
    (["al-Homsi", "Homsi"], "الحمصي"),
    (["al-Idlibi"], "الإدلبي"),
    (["al-Aswad"], "الأسود"),
    (["al-Hussein"], "الحسين"),
    (["al-Ali"], "العلي"),
    (["al-Hasan", "al-Hassan"], "الحسن"),
    (["al-Abdullah"], "العبدالله"),
    (["Qanbar", "Kanbar"], "قنبر"),
    (["al-Jasem", "al-Jassem"], "الجاسم"),
    (["al-Mohammad", "al-Muhammad"], "المحمد"),
    (["al-Saleh"], "الصالح"),
    (["al-Ibrahim"], "الإبراهيم"),
    (["al-Khalil"], "الخليل"),
    (["al-Jundi"], "الجندي"),
    (["al-Sharif"], "الشريف"),
    (["al-Rashid", "al-Rasheed"], "الراشد"),
    (["al-Bakri"], "البكري"),
    (["al-Najjar"], "النجار"),
    (["al-Attar"], "العطار"),
    (["al-Tamimi"], "التميمي"),
    (["al-Hamdan"], "الحمدان"),
    (["al-Dahhan"], "الدهان"),
    (["al-Sawwan"], "الصوان"),
    (["Zeidan", "Zaidan"], "زيدان"),
    (["al-Atrash"], "الأطرش"),
    (["Nassar"], "نصار"),
    (["al-Hakim"], "الحكيم"),
    (["Shaheen", "Shahin"], "شاهين"),
    (["al-Khouli"], "الخولي"),
    (["Makhlouf"], "مخلوف"),
    (["al-Ghazal"], "الغزال"),
    (["al-Fares"], "الفارس"),
    (["al-Hajj Ali"], "الحاج علي"),
    (["Kiwan"], "كيوان"),
    (["al-Moussa", "al-Mousa"], "الموسى"),
    (["al-Khodr"], "الخضر"),
    (["al-Obeid", "al-Ubaid"], "العبيد"),
    (["Haj Omar"], "حاج عمر"),
    (["al-Daher"], "الظاهر"),
    (["al-Jaber"], "الجابر"),
    (["al-Nasser"], "الناصر"),
    (["Hammoud"], "حمود"),
    (["al-Saeed"], "السعيد"),
]
TOWNS = ["daraa", "nawa", "jasim", "inkhil", "samad", "jamlah", "tafas", "dael", "busra",
         "izraa", "sanamayn", "douma", "harasta", "daraya", "muadamiyah", "zabadani",
         "yabroud", "qudsaya", "homs", "rastan", "talbiseh", "hama", "salamiyah", "idlib",
         "saraqib", "maarat", "aleppo", "manbij", "raqqa", "deir-ez-zor", "mayadin",
         "qamishli", "latakia", "jableh", "baniyas", "tartus", "suwayda", "shahba",
         "quneitra", "khan-arnabeh"]
TITLES = ["Captain", "Dr.", "Sheikh", "Sergeant", "First Lieutenant", "Haj"]


def _cpu() -> float:
    """CPU seconds used by this process so far."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def zipf_weights(n: int, s: float = 1.0) -> list[float]:
    return [1.0 / (i + 1) ** s for i in range(n)]


class Generator:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        # Muhammad is the most common given name (here about one in eight); family names
        # are spread more evenly, as in a documentation set drawn from many towns
        self.given_w = zipf_weights(len(GIVEN), 0.7)
        self.given_w[0] *= 1.5
        self.family_w = zipf_weights(len(FAMILY), 0.5)

    def identity(self) -> dict:
        rng = self.rng
        given, father = rng.choices(range(len(GIVEN)), self.given_w, k=2)
        grand = rng.choices(range(len(GIVEN)), self.given_w)[0] if rng.random() < 0.2 else None
        family = rng.choices(range(len(FAMILY)), self.family_w)[0]
        return {"parts": (given, father, grand, family),
                "hometown": rng.choice(TOWNS),
                "birth_year": rng.randint(1950, 2005)}

    def spelling(self, parts, arabic: bool, noisy: bool) -> str:
        rng = self.rng
        given, father, grand, family = parts
        if arabic:
            words = [GIVEN[given][1]]
            if father is not None and (not noisy or rng.random() < 0.8):
                words.append(GIVEN[father][1])
            if grand is not None and rng.random() < 0.5:
                words.append(GIVEN[grand][1])
            words.append(FAMILY[family][1])
            return " ".join(words)

        def pick(spellings):
            return spellings[0] if (not noisy and rng.random() < 0.6) else rng.choice(spellings)

        words = [pick(GIVEN[given][0])]
        if father is not None and (not noisy or rng.random() < 0.8):
            words.append(pick(GIVEN[father][0]))
        if grand is not None and rng.random() < 0.5:
            words.append(pick(GIVEN[grand][0]))
        fam = pick(FAMILY[family][0])
        if noisy and rng.random() < 0.05:
            return f"{fam}, {' '.join(words)}"
        if noisy and rng.random() < 0.05:
            words.insert(0, rng.choice(TITLES))
        return " ".join(words + [fam])

    def record(self, uid: str, ident: dict, noisy: bool) -> dict:
        rng = self.rng
        arabic_first = rng.random() < 0.2
        person = {"uid": uid, "name": self.spelling(ident["parts"], arabic_first, noisy)}
        if not arabic_first and rng.random() < 0.4:
            person["name_ar"] = self.spelling(ident["parts"], True, noisy)
        aliases = [self.spelling(ident["parts"], False, True) for _ in range(rng.choice(
            (0, 0, 1, 1, 2)))]
        if aliases:
            person["aliases"] = aliases
        if not noisy or rng.random() < 0.8:
            person["hometown"] = ident["hometown"] if rng.random() < 0.9 else rng.choice(TOWNS)
        if rng.random() < 0.7:
            person["birth_year"] = ident["birth_year"] + (rng.choice((-1, 0, 0, 1))
                                                          if noisy else 0)
        return person


def generate(n: int, seed: int = 1) -> tuple[list[dict], set[tuple[str, str]]]:
    """``n`` persons and the set of planted duplicate pairs (uid_a < uid_b)."""
    gen = Generator(seed)
    persons, planted = [], set()
    while len(persons) < n:
        ident = gen.identity()
        uid = f"p{len(persons):07d}"
        persons.append(gen.record(uid, ident, noisy=False))
        if gen.rng.random() < 1 / 5 and len(persons) < n:
            uid2 = f"p{len(persons):07d}"
            persons.append(gen.record(uid2, ident, noisy=True))
            planted.add((uid, uid2))
    gen.rng.shuffle(persons)
    return persons, planted


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=150_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threshold", type=float, default=names.DEFAULT_THRESHOLD)
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    persons, planted = generate(args.persons, args.seed)
    t1 = time.perf_counter()
    cpu1 = _cpu()
    pairs = names.candidate_pairs(persons, args.threshold)
    t2 = time.perf_counter()
    cpu2 = _cpu()

    found = {(a, b) for a, b, _, _ in pairs}
    hits = len(planted & found)
    names_total = sum(1 + bool(p.get("name_ar")) + len(p.get("aliases", ())) for p in persons)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"persons: {len(persons):,}  names: {names_total:,}  generated in {t1 - t0:.1f} s")
    print(f"candidate_pairs: {t2 - t1:.1f} s wall, {cpu2 - cpu1:.1f} s CPU  "
          f"threshold {args.threshold}  "
          f"pairs proposed: {len(pairs):,}  peak RSS {rss:.0f} MB")
    print(f"planted duplicates: {len(planted):,}  proposed: {hits:,} "
          f"({hits / max(len(planted), 1):.1%})")
    conflicts = sum(1 for *_, ev in pairs if "conflict" in (ev["hometown"], ev["birth_year"]))
    print(f"proposed pairs with a hometown or birth-year conflict: {conflicts:,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
