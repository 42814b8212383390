#!/usr/bin/env python3
"""Benchmark `letterpress build` on synthetic campaigns of N recipients.

Usage:
  python3 scripts/bench/run.py [--sizes 100,1000,10000] [--jobs N] [--keep DIR]

For each N it writes a campaign `bench-N` (the reference campaign's [campaign],
[sender] and [letter] tables and body, then N seeded, international
recipients), runs the release binary under `/usr/bin/time -v`, and prints one
Markdown table row: throughput, wall time by stage, peak memory, zip bytes per
packet and how close the build gets to "the limit" (every thread compiling and
exporting packets back to back, measured once with --jobs 1). Standard library
only. See scripts/bench/README.md.
"""

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "campaigns" / "semenova-2018.toml"
REFERENCE_BODY = ROOT / "campaigns" / "semenova-2018" / "body.typ"
BINARY = ROOT / "target" / "release" / "letterpress"
TIME = Path("/usr/bin/time")
MAX_LINE = 35  # every address line we write is at most this long
MAX_STREET_LINES = 2


# --------------------------------------------------------------------------
# Synthetic recipients. Everything below is invented; the mix is about a
# third Kazakhstan, the rest Belgium, Germany, France, Russia and the US.

KZ_MALE = ["Yerlan", "Nurlan", "Askar", "Daulet", "Serik", "Bolat", "Kairat", "Marat",
           "Timur", "Arman", "Yerzhan", "Zhanibek", "Talgat", "Dauren", "Azamat"]
KZ_FEMALE = ["Aigerim", "Dana", "Gulnara", "Saule", "Aizhan", "Madina", "Zhanar",
             "Ainur", "Dinara", "Assel", "Botagoz", "Kamila", "Aliya", "Zarina"]
KZ_FAMILY = ["Abdrakhmanov", "Nurlanov", "Suleimenov", "Akhmetov", "Zhaksybekov",
             "Omarov", "Tokayev", "Kassymov", "Ermekov", "Baimukhanov", "Iskakov",
             "Mukhametov", "Seitkaliyev", "Zhunusov", "Sarsenbayev", "Tulegenov"]
KZ_MALE_CYR = ["Ерлан", "Нурлан", "Асқар", "Дәулет", "Серік", "Болат", "Қайрат", "Марат"]
KZ_FEMALE_CYR = ["Айгерім", "Дана", "Гүлнара", "Сәуле", "Айжан", "Мадина", "Жанар"]
KZ_FAMILY_CYR = ["Әбдірахманов", "Нұрланов", "Сүлейменов", "Ахметов", "Жақсыбеков",
                 "Омаров", "Қасымов", "Ермеков", "Исқақов", "Жүнісов"]
KZ_PLACES = [  # city, postcode, region (None for cities of republican significance)
    ("Astana", "010000", None), ("Astana", "010008", None), ("Almaty", "050000", None),
    ("Almaty", "050010", None), ("Shymkent", "160000", None),
    ("Karaganda", "100000", "Karaganda Region"), ("Pavlodar", "140000", "Pavlodar Region"),
    ("Aktobe", "030000", "Aktobe Region"), ("Atyrau", "060000", "Atyrau Region"),
    ("Oskemen", "070000", "East Kazakhstan Region"), ("Kostanay", "110000", "Kostanay Region"),
    ("Semey", "071400", "Abai Region"), ("Taraz", "080000", "Zhambyl Region"),
]
KZ_PLACES_CYR = [
    ("Астана", "010000", None), ("Алматы", "050000", None), ("Шымкент", "160000", None),
    ("Караганда", "100000", "Карагандинская обл."), ("Павлодар", "140000", "Павлодарская обл."),
    ("Актобе", "030000", "Актюбинская обл."), ("Костанай", "110000", "Костанайская обл."),
]
KZ_STREETS = ["Kabanbay Batyr Ave.", "Dostyk St.", "Abay Ave.", "Kenesary St.",
              "Republic Ave.", "Tole Bi St.", "Satpayev St.", "Mangilik El Ave.",
              "Lermontova St.", "Kosmonavtov St.", "Zheltoksan St.", "Bukhar Zhyrau Ave."]
KZ_STREETS_CYR = ["пр. Абая", "ул. Достык", "ул. Кенесары", "пр. Республики",
                  "ул. Толе би", "ул. Сатпаева", "ул. Желтоксан", "пр. Бухар жырау"]
KZ_ROLES = ["Akim of the city", "Deputy of the Mazhilis", "Senator of the Parliament",
            "Prosecutor of the region", "Judge of the City Court", "Head of the Police Department",
            "Director of the Penal Colony", "Member of the Monitoring Commission",
            "Human rights lawyer", "Journalist", "Deputy Minister of Justice",
            "Chair of the Bar Association"]
KZ_ORGS = ["Kazakhstan Bureau for Human Rights", "Ministry of Justice of the RK",
           "Public Monitoring Commission", "Mazhilis of the Parliament",
           "General Prosecutor's Office", "Adilet Legal Clinic", "Kazakh Press Club"]

BE_FIRST = ["Marie", "Jan", "Sofie", "Luc", "Els", "Pieter", "Nathalie", "Thomas",
            "Ann", "Koen", "Isabelle", "Wouter", "Camille", "Bart"]
BE_FAMILY = ["Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Dubois", "Lambert",
             "Dupont", "Claes", "Goossens", "Wouters", "De Smet", "Leclercq", "Hermans"]
BE_PLACES = [("1000", "Brussels"), ("1040", "Etterbeek"), ("1050", "Ixelles"),
             ("2000", "Antwerpen"), ("9000", "Gent"), ("4000", "Liège"), ("3000", "Leuven"),
             ("5000", "Namur"), ("8000", "Brugge"), ("6000", "Charleroi")]
BE_STREETS = ["Rue de la Loi", "Avenue Louise", "Meir", "Korenmarkt", "Rue Belliard",
              "Boulevard d'Avroy", "Bondgenotenlaan", "Rue de Fer", "Steenstraat",
              "Chaussée de Wavre", "Rue Haute"]
BE_ROLES = ["Member of the Chamber", "Senator", "Federal Ombudsman", "Advisor to the Minister",
            "Director, Foreign Affairs", "Journalist", "Professor of Law"]
BE_ORGS = ["FPS Foreign Affairs", "Chamber of Representatives", "Amnesty International BE",
           "Ligue des droits humains", "KU Leuven Faculty of Law", "Université de Namur"]

DE_FIRST = ["Jürgen", "Anna", "Katrin", "Stefan", "Sabine", "Michael", "Ursula",
            "Andreas", "Claudia", "Tobias", "Jana", "Matthias", "Petra", "Lukas"]
DE_FAMILY = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner",
             "Becker", "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder"]
DE_PLACES = [("10117", "Berlin"), ("11011", "Berlin"), ("80331", "München"),
             ("20095", "Hamburg"), ("50667", "Köln"), ("60311", "Frankfurt am Main"),
             ("70173", "Stuttgart"), ("40213", "Düsseldorf"), ("04109", "Leipzig"),
             ("01067", "Dresden")]
DE_STREETS = ["Unter den Linden", "Wilhelmstraße", "Königsallee", "Marienplatz",
              "Platz der Republik", "Jungfernstieg", "Hohe Straße", "Zeil",
              "Schloßplatz", "Prager Straße", "Friedrichstraße"]
DE_ROLES = ["Mitglied des Bundestages", "Referentin für Osteuropa", "Referent für Zentralasien",
            "Beauftragter für Menschenrechte", "Rechtsanwältin", "Journalist", "Professorin"]
DE_ORGS = ["Auswärtiges Amt", "Deutscher Bundestag", "Amnesty International DE",
           "Institut für Menschenrechte", "Stiftung Wissenschaft und Politik"]

FR_FIRST = ["Claire", "Julien", "Élodie", "Nicolas", "Camille", "Antoine", "Manon",
            "Hugo", "Chloé", "François", "Léa", "Mathieu", "Hélène", "Benoît"]
FR_FAMILY = ["Martin", "Bernard", "Petit", "Durand", "Leroy", "Moreau", "Simon",
             "Laurent", "Lefèvre", "Michel", "Garcia", "Roux", "Fournier", "Girard"]
FR_PLACES = [("75007", "Paris"), ("75008", "Paris"), ("69002", "Lyon"),
             ("13001", "Marseille"), ("67000", "Strasbourg"), ("33000", "Bordeaux"),
             ("31000", "Toulouse"), ("59000", "Lille"), ("44000", "Nantes"), ("06000", "Nice")]
FR_STREETS = ["rue du Faubourg Saint-Honoré", "quai d'Orsay", "rue de l'Université",
              "boulevard Haussmann", "rue de la République", "avenue Jean Jaurès",
              "place Bellecour", "cours de l'Intendance", "rue Sainte-Catherine"]
FR_ROLES = ["Député", "Sénatrice", "Défenseure des droits", "Conseiller diplomatique",
            "Avocate au barreau", "Journaliste", "Chargée de mission"]
FR_ORGS = ["Ministère de l'Europe", "Assemblée nationale", "Ligue des droits de l'Homme",
           "Fédération internationale (FIDH)", "Sciences Po, CERI"]

RU_MALE = [("Иван", "Петрович"), ("Сергей", "Николаевич"), ("Алексей", "Викторович"),
           ("Дмитрий", "Андреевич"), ("Михаил", "Юрьевич"), ("Андрей", "Сергеевич")]
RU_FEMALE = [("Ольга", "Сергеевна"), ("Елена", "Игоревна"), ("Наталья", "Павловна"),
             ("Татьяна", "Викторовна"), ("Анна", "Дмитриевна"), ("Мария", "Алексеевна")]
RU_FAMILY = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Соколов", "Лебедев",
             "Козлов", "Новиков", "Морозов", "Волков", "Соловьёв", "Зайцев"]
RU_PLACES = [("Москва", "г. Москва", "125009"), ("Москва", "г. Москва", "101000"),
             ("Санкт-Петербург", "г. Санкт-Петербург", "191186"),
             ("Новосибирск", "Новосибирская обл.", "630099"),
             ("Екатеринбург", "Свердловская обл.", "620014"),
             ("Казань", "Республика Татарстан", "420111"),
             ("Нижний Новгород", "Нижегородская обл.", "603005"),
             ("Самара", "Самарская обл.", "443010")]
RU_STREETS = ["ул. Тверская", "Невский пр.", "пр-т Мира", "ул. Ленина", "ул. Баумана",
              "ул. Малышева", "Красный пр.", "ул. Куйбышева"]
RU_ROLES = ["Депутат Государственной думы", "Уполномоченный по правам",
            "Главный редактор", "Адвокат", "Член правления", "Журналист"]
RU_ORGS = ["Правозащитный центр", "Московская Хельсинкская группа", "Редакция газеты",
           "Адвокатская палата"]

US_FIRST = ["John", "Jennifer", "Michael", "Emily", "David", "Sarah", "Robert",
            "Jessica", "William", "Ashley", "James", "Laura", "Daniel", "Megan"]
US_FAMILY = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis",
             "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Martin", "Clark"]
US_PLACES = [("Washington", "DC", "20500"), ("Washington", "DC", "20520"),
             ("New York", "NY", "10174"), ("New York", "NY", "10017-3580"),
             ("Chicago", "IL", "60606"), ("San Francisco", "CA", "94102"),
             ("Boston", "MA", "02108"), ("Seattle", "WA", "98104"),
             ("Austin", "TX", "78701"), ("Denver", "CO", "80202-5332")]
US_STREETS = ["Pennsylvania Ave NW", "Lexington Ave", "S Wacker Dr", "Market St",
              "Beacon St", "2nd Ave", "Congress Ave", "17th St", "C St NW", "Broadway"]
US_ROLES = ["Senior Policy Advisor", "Program Director", "Member of Congress",
            "Professor of Law", "Staff Attorney", "Correspondent", "Desk Officer"]
US_ORGS = ["Human Rights Watch", "Freedom House", "Committee to Protect Journalists",
           "U.S. Department of State", "Open Society Foundations", "Columbia Law School"]

# Share of recipients by country (KZ split into Latin and Cyrillic script).
MIX = [("KZ", 0.25), ("KZ-cyr", 0.09), ("BE", 0.15), ("DE", 0.14), ("FR", 0.13),
       ("RU", 0.12), ("US", 0.12)]


CYRILLIC = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһі",
                    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n",
                     "o", "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y",
                     "", "e", "yu", "ya", "a", "g", "k", "n", "o", "u", "u", "h", "i"]))


def slug(text):
    """An ASCII id part: `Асқар Исқақов` → `askar-iskakov`."""
    text = "".join(CYRILLIC.get(c, c) for c in text.lower())
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "r"


def kz_family(family, female, cyrillic=False):
    """-ov/-ev/-in become -ova/-eva/-ina for women."""
    if female:
        return family + "а" if cyrillic else family + "a"
    return family


def person(rng, country):
    """(display name, family name for the salutation, female?, script)."""
    female = rng.random() < 0.5
    if country == "KZ":
        given = rng.choice(KZ_FEMALE if female else KZ_MALE)
        family = kz_family(rng.choice(KZ_FAMILY), female)
        return f"{given} {family.upper()}", family, female
    if country == "KZ-cyr":
        given = rng.choice(KZ_FEMALE_CYR if female else KZ_MALE_CYR)
        family = kz_family(rng.choice(KZ_FAMILY_CYR), female, cyrillic=True)
        return f"{given} {family}", family, female
    if country == "RU":
        given, patronymic = rng.choice(RU_FEMALE if female else RU_MALE)
        family = rng.choice(RU_FAMILY) + ("а" if female else "")
        return f"{given} {patronymic} {family}", family, female
    pools = {"BE": (BE_FIRST, BE_FAMILY), "DE": (DE_FIRST, DE_FAMILY),
             "FR": (FR_FIRST, FR_FAMILY), "US": (US_FIRST, US_FAMILY)}
    first, families = pools[country]
    given, family = rng.choice(first), rng.choice(families)
    female = given in {"Marie", "Sofie", "Els", "Nathalie", "Ann", "Isabelle", "Camille",
                       "Anna", "Katrin", "Sabine", "Ursula", "Claudia", "Jana", "Petra",
                       "Claire", "Élodie", "Manon", "Chloé", "Léa", "Hélène", "Jennifer",
                       "Emily", "Sarah", "Jessica", "Ashley", "Laura", "Megan"}
    name = f"{given} {family.upper()}" if country != "US" else f"{given} {family}"
    return name, family, female


SECOND_LINE = {
    "KZ": ["Office {n}", "{n}th floor", "Building {b}", "Block {b}, office {n}"],
    "KZ-cyr": ["офис {n}", "{n} этаж", "корпус {b}"],
    "BE": ["Boîte {n}", "Bus {n}", "{n}e étage"],
    "DE": ["Haus {b}", "{n}. Etage", "Zimmer {n}"],
    "FR": ["Bâtiment {b}", "{n}e étage", "BP {n}"],
    "RU": ["офис {n}", "кв. {n}", "подъезд {n}"],
    "US": ["Suite {n}", "Room {n}", "Floor {n}"],
}


def address(rng, country):
    n = rng.randint(1, 120)
    if country == "KZ":
        city, postcode, region = rng.choice(KZ_PLACES)
        street = f"{rng.choice(KZ_STREETS)} {n}"
    elif country == "KZ-cyr":
        city, postcode, region = rng.choice(KZ_PLACES_CYR)
        street = f"{rng.choice(KZ_STREETS_CYR)}, {n}"
    elif country == "BE":
        postcode, city = rng.choice(BE_PLACES)
        region, street = None, f"{rng.choice(BE_STREETS)} {n}"
    elif country == "DE":
        postcode, city = rng.choice(DE_PLACES)
        region, street = None, f"{rng.choice(DE_STREETS)} {n}"
    elif country == "FR":
        postcode, city = rng.choice(FR_PLACES)
        region, street = None, f"{n} {rng.choice(FR_STREETS)}"
    elif country == "RU":
        city, region, postcode = rng.choice(RU_PLACES)
        street = f"{rng.choice(RU_STREETS)}, д. {n}"
    else:  # US
        city, region, postcode = rng.choice(US_PLACES)
        street = f"{rng.randint(1, 2400)} {rng.choice(US_STREETS)}"
    lines = [street]
    if rng.random() < 0.3:
        extra = rng.choice(SECOND_LINE[country])
        lines.append(extra.format(n=rng.randint(2, 40), b=rng.choice("ABCDE")))
    code = "KZ" if country == "KZ-cyr" else country
    out = {"street": lines if len(lines) > 1 else lines[0], "postcode": postcode, "city": city}
    if region:
        out["region"] = region
    out["country"] = code
    return out, lines


ROLES = {"KZ": KZ_ROLES, "KZ-cyr": KZ_ROLES, "BE": BE_ROLES, "DE": DE_ROLES,
         "FR": FR_ROLES, "RU": RU_ROLES, "US": US_ROLES}
ORGS = {"KZ": KZ_ORGS, "KZ-cyr": KZ_ORGS, "BE": BE_ORGS, "DE": DE_ORGS,
        "FR": FR_ORGS, "RU": RU_ORGS, "US": US_ORGS}


def recipients(n, seed):
    """N deterministic recipients (dicts in the campaign's shape)."""
    rng = random.Random(f"letterpress-bench-{seed}")
    kinds, weights = zip(*MIX)
    out, seen_ids, seen_keys = [], set(), set()
    while len(out) < n:
        kind = rng.choices(kinds, weights)[0]
        name, family, female = person(rng, kind)
        addr, street = address(rng, kind)
        r = {}
        org_only = rng.random() < 0.04
        role = rng.choice(ROLES[kind]) if rng.random() < 0.7 else None
        org = rng.choice(ORGS[kind]) if org_only or rng.random() < 0.25 else None
        if org_only:
            name, role = None, None
        # Keep the address block within the window: at most 8 lines. Kazakh and
        # Russian addresses put city, region and postcode on lines of their
        # own; mail from Brussels to Belgium has no country line.
        locality = 3 if kind in ("KZ", "KZ-cyr", "RU") else 1
        country_line = 0 if kind == "BE" else 1
        if len([x for x in (name, role, org) if x]) + len(street) + locality + country_line > 8:
            org = None
        key = (name or org, tuple(street), addr["postcode"], addr["city"])
        if key in seen_keys:
            continue
        seen_keys.add(key)
        base = slug(family if name else org)
        rid = f"{base}-{len(out) + 1}"
        assert rid not in seen_ids
        seen_ids.add(rid)
        r["id"] = rid
        if name:
            r["name"] = name
        if role:
            r["role"] = role
        if org:
            r["organisation"] = org
        if not name:
            r["salutation"] = "Dear Sir or Madam,"
        elif kind in ("KZ-cyr", "RU"):
            r["salutation"] = "Dear Madam," if female else "Dear Sir,"
        else:
            r["salutation"] = f"Dear {'Ms' if female else 'Mr'} {family},"
        r["address"] = addr
        for text in [name, role, org, *street, addr["postcode"], addr["city"],
                     addr.get("region")]:
            assert text is None or len(text) <= MAX_LINE, text
        assert len(street) <= MAX_STREET_LINES
        out.append(r)
    return out


# --------------------------------------------------------------------------
# Campaign files.

def toml_value(value):
    if isinstance(value, str):
        # A JSON string is a valid TOML basic string.
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} as TOML")


def campaign_head(campaign_id, part_size=None):
    """The reference campaign's [campaign], [sender] and [letter] tables, with
    another id and the body next to the new file."""
    text = REFERENCE.read_text(encoding="utf-8")
    head = re.split(r"(?m)^\[\[recipient\]\]", text, maxsplit=1)[0]
    head, n = re.subn(r'(?m)(\[campaign\][^\[]*?^id\s*=\s*)"[^"\n]*"',
                      lambda m: m.group(1) + json.dumps(campaign_id), head, count=1)
    if n != 1:
        sys.exit(f"error: no `id = ...` in [campaign] of {REFERENCE}")
    head, n = re.subn(r"(?m)^body_file\s*=.*$", 'body_file = "body.typ"', head, count=1)
    if n != 1:
        sys.exit(f"error: no `body_file = ...` in [letter] of {REFERENCE}")
    if part_size:
        head = re.sub(r"(?m)^(\[campaign\]\n)", rf"\g<1>print_part_size = {part_size}\n", head)
    parsed = tomllib.loads(head)
    assert parsed["campaign"]["id"] == campaign_id, parsed["campaign"]
    assert parsed["letter"]["body_file"] == "body.typ", parsed["letter"]
    return head.rstrip() + "\n"


def write_campaign(folder, campaign_id, people, part_size=None):
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REFERENCE_BODY, folder / "body.typ")
    chunks = [f"# Generated by scripts/bench/run.py: {len(people)} recipients.\n"
              "# The tables below, up to the first recipient, are campaigns/semenova-2018.toml's.\n\n",
              campaign_head(campaign_id, part_size)]
    for r in people:
        chunks.append("\n[[recipient]]\n" + "".join(
            f"{k} = {toml_value(v)}\n" for k, v in r.items()))
    path = folder / f"{campaign_id}.toml"
    path.write_text("".join(chunks), encoding="utf-8")
    tomllib.loads(path.read_text(encoding="utf-8"))  # we wrote valid TOML
    return path


# --------------------------------------------------------------------------
# Running the binary.

class BuildFailed(Exception):
    pass


def describe_failure(cmd, code, stdout, stderr):
    lines = [f"error: the build failed (exit {code}): {' '.join(map(str, cmd))}"]
    try:
        report = json.loads(stdout)
        for e in report.get("errors", []):
            at = e.get("at") or {}
            where = f" at {at.get('file')}:{at.get('line')}:{at.get('column')}" if at else ""
            lines.append(f"  {e.get('severity', 'error')}: {e.get('message')}{where}")
            for who in e.get("recipients", [])[:5]:
                lines.append(f"    recipient: {who}")
            for hint in e.get("hints", []):
                lines.append(f"    hint: {hint}")
    except (ValueError, AttributeError):
        if stdout.strip():
            lines.append("--- stdout ---\n" + stdout.strip()[-4000:])
    if stderr.strip():
        lines.append("--- stderr ---\n" + stderr.strip()[-8000:])
    return "\n".join(lines)


def run_build(campaign, out_dir, jobs, sample=False):
    """Runs one build under /usr/bin/time -v; returns the measurements. With
    `sample`, the memory of letterpress and its worker processes is sampled
    every 0.05 s while it runs; without, the script only waits for it."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    cmd = [str(BINARY), "build", str(campaign), "-o", str(out_dir), "--format", "json", "--quiet"]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    env = dict(os.environ)
    env.pop("SOURCE_DATE_EPOCH", None)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile("w+", encoding="utf-8") as so, \
            tempfile.TemporaryFile("w+", encoding="utf-8") as se:
        busy_before = cpu_busy_s()
        started = time.perf_counter()
        proc = subprocess.Popen([str(TIME), "-v", *cmd], stdout=so, stderr=se, env=env)
        if sample:
            samples = sample_rss(proc, started)
        else:
            proc.wait()
            samples = []
        wall = time.perf_counter() - started
        busy = cpu_busy_s() - busy_before if busy_before is not None else None
        so.seek(0)
        se.seek(0)
        stdout, stderr = so.read(), se.read()
    # /usr/bin/time appends its report to the command's stderr.
    split = stderr.rfind("\tCommand being timed:")
    own_stderr = stderr[:split] if split >= 0 else stderr
    time_report = stderr[split:] if split >= 0 else ""
    own_stderr = re.sub(r"(?m)^Command exited with non-zero status \d+\n?", "", own_stderr)
    if proc.returncode != 0:
        raise BuildFailed(describe_failure(cmd, proc.returncode, stdout, own_stderr))
    try:
        report = json.loads(stdout)
        summary = report["summary"]
        timings = summary["timings"]
    except (ValueError, KeyError) as err:
        raise BuildFailed(f"error: cannot read the build's JSON report ({err}):\n"
                          f"{stdout[-4000:]}\n--- stderr ---\n{own_stderr[-4000:]}")

    def field(label):
        m = re.search(rf"^\s*{re.escape(label)}: (.+)$", time_report, re.M)
        return m.group(1).strip() if m else None

    user, system = float(field("User time (seconds)") or 0), float(field("System time (seconds)") or 0)
    rss_kib = field("Maximum resident set size (kbytes)")
    if rss_kib is None:
        raise BuildFailed(f"error: no peak RSS in /usr/bin/time's report:\n{stderr[-4000:]}")
    return {
        "packets": summary["packets"],
        "pages": summary.get("pages"),
        "jobs": report.get("jobs", jobs),
        "wall_s": wall,
        "render_s": timings["render"],
        "bundle_s": timings["bundle"],
        "render_cpu_s": timings["render_cpu"],
        "compile_cpu_s": timings.get("compile_cpu", 0.0),
        "export_cpu_s": timings.get("export_cpu", 0.0),
        "print_cpu_s": timings.get("print_cpu", 0.0),
        "waited_s": timings.get("waited", 0.0),
        "write_s": timings.get("write", 0.0),
        "load_validate_s": wall - timings["render"] - timings["bundle"],
        "zip_bytes": summary["zip_bytes"],
        # The sampled peak of all letterpress processes together (PSS), or
        # /usr/bin/time's peak RSS of the main process if that is higher (a
        # one-process build can peak between two samples). Unsampled runs
        # have only the latter.
        "peak_rss_mib": max([int(rss_kib) / 1024] + [m for _, m in samples]),
        "peak_rss_main_mib": int(rss_kib) / 1024,
        "user_s": user,
        "sys_s": system,
        # Cores that everything else on the machine kept busy during the build.
        "other_cores_busy": None if busy is None else max(0.0, (busy - user - system) / wall),
        "warnings": len(report.get("warnings", [])),
        # (seconds since start, MiB) of the letterpress processes, every 0.05 s.
        "rss_timeline": samples,
    }


def cpu_busy_s():
    """Seconds of CPU time the whole machine has spent busy since boot."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    # guest time is already counted in user time
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def children_of(pid):
    """The pids of a process's children."""
    try:
        return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []


def pss_kib(pid):
    """A process's proportional set size: its resident memory, with each page
    it shares with other processes counted by its share. Summed over a
    process tree, a page the build's worker processes share with it (they are
    forked) counts once, as it takes memory once."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    m = re.search(r"^Pss:\s+(\d+) kB", rollup, re.M)
    return int(m.group(1)) if m else 0


def sample_rss(proc, started, every=0.05):
    """Waits for `/usr/bin/time`'s process, sampling the memory of its child
    (letterpress) and that one's worker processes: (seconds, MiB) pairs of
    the summed PSS."""
    samples = []
    while proc.poll() is None:
        tree = []
        for child in children_of(proc.pid):
            tree += [child, *children_of(child)]
        total = sum(pss_kib(pid) for pid in tree)
        if total:
            samples.append((round(time.perf_counter() - started, 2), round(total / 1024, 1)))
        time.sleep(every)
    return samples


def rss_profile(samples):
    """RSS at a quarter, half, three quarters and the end of the run, MiB."""
    if not samples:
        return "no samples"
    end = samples[-1][0]
    picks = []
    for q in (0.25, 0.5, 0.75, 1.0):
        picks.append(next(rss for t, rss in samples if t >= q * end))
    return " / ".join(f"{x:.0f}" for x in picks)


def ensure_time():
    if TIME.exists():
        return
    print("/usr/bin/time is missing: installing the Debian package `time` "
          "(apt-get install -y time)", file=sys.stderr)
    for step in (["apt-get", "install", "-y", "time"],
                 ["apt-get", "update"], ["apt-get", "install", "-y", "time"]):
        if step[1] == "update" and TIME.exists():
            break
        subprocess.run(step, stdout=subprocess.DEVNULL)
    if not TIME.exists():
        sys.exit("error: /usr/bin/time is missing and `apt-get install time` failed; "
                 "install GNU time (Debian package `time`) and run again")


def build_binary():
    print("cargo build --release …", file=sys.stderr)
    proc = subprocess.run(["cargo", "build", "--release"], cwd=ROOT,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"error: `cargo build --release` failed:\n{proc.stderr[-8000:]}")


# --------------------------------------------------------------------------
# Stock Typst, one recipient at a time (only if it is installed).

def typst_runner():
    """A function compiling (root, input, output) with stock Typst, and its
    description; or (None, why not)."""
    fonts = str(ROOT / "fonts")
    try:
        proc = subprocess.run(["typst", "--version"], capture_output=True, text=True)
        if proc.returncode == 0:
            version = proc.stdout.strip()

            def cli(root, src, out):
                p = subprocess.run(["typst", "compile", "--root", str(root), "--font-path", fonts,
                                    "--ignore-system-fonts", str(src), str(out)],
                                   capture_output=True, text=True)
                if p.returncode != 0:
                    raise RuntimeError(p.stderr.strip()[-2000:])
            return cli, f"`typst` CLI, {version}"
    except OSError:
        pass
    try:
        import typst  # noqa: F401  (the PyPI package `typst`)
    except ImportError:
        return None, "neither the `typst` CLI nor the Python package `typst` is installed"

    def py(root, src, out):
        typst.compile(str(src), output=str(out), root=str(root), font_paths=[fonts],
                      ignore_system_fonts=True)
    return py, f"Python package `typst` {getattr(typst, '__version__', '')}".rstrip()


def _py_worker(root, fonts, jobs):
    """One process of the Python-binding loop: a compiler per template,
    reused for every recipient (data.json rewritten in between)."""
    import typst
    root = Path(root)
    data = root / "data.json"
    data.write_text(jobs[0][0], encoding="utf-8")
    opts = dict(root=str(root), font_paths=[fonts], ignore_system_fonts=True)
    letter = typst.Compiler(str(root / "letter.typ"), **opts)
    envelope = typst.Compiler(str(root / "envelope.typ"), **opts)
    for text, out in jobs:
        tmp = root / "data.json.tmp"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, data)
        letter.compile(output=f"{out}-letter.pdf")
        envelope.compile(output=f"{out}-envelope.pdf")
    return len(jobs)


def typst_loop(campaign, people, sample, work, runs=1, procs_list=(1, 2), cache=None):
    """Packets per second of stock Typst driven per recipient: the CLI once
    per document, or the Python binding with one compiler per template reused
    in each of 1 and 2 processes, the best of `runs`. Every PDF is written to
    disk. `cache` (a dict) keeps the sample's data between calls."""
    from concurrent.futures import ProcessPoolExecutor
    if sample <= 0:
        return None, "--typst-sample 0"
    compile_one, what = typst_runner()
    if compile_one is None:
        return None, what
    step = max(1, len(people) // sample)
    chosen = people[::step][:sample]
    datas = cache.get("datas") if cache is not None else None
    if datas is None:
        datas = []
        for r in chosen:  # `letterpress data` is not timed
            proc = subprocess.run([str(BINARY), "data", str(campaign), "--recipient", r["id"]],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                return None, f"`letterpress data` failed: {proc.stderr.strip()[-500:]}"
            datas.append(proc.stdout)
        if cache is not None:
            cache["datas"] = datas
    body_rel = json.loads(datas[0])["letter"]["body"].lstrip("/")

    def make_root(name):
        root = work / "typst-root" / name
        if root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True)
        for f in ("letter.typ", "envelope.typ", "common.typ"):
            shutil.copyfile(ROOT / "templates" / f, root / f)
        (root / body_rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(campaign.parent / "body.typ", root / body_rel)
        (root / "out").mkdir()
        return root

    result = {"tool": what, "sample": len(chosen), "rates": {}}
    fonts = str(ROOT / "fonts")
    if what.startswith("Python"):
        result["runs"] = {}
        for procs in procs_list:
            # Best of `runs`, as letterpress's builds are.
            for _ in range(runs):
                roots = [make_root(f"p{procs}-{k}") for k in range(procs)]
                shares = [[(d, str(roots[k] / "out" / f"{i:05}"))
                           for i, d in enumerate(datas) if i % procs == k] for k in range(procs)]
                t = time.perf_counter()
                with ProcessPoolExecutor(max_workers=procs) as pool:
                    done = sum(pool.map(_py_worker, [str(r) for r in roots], [fonts] * procs,
                                        shares))
                wall = time.perf_counter() - t
                result["runs"].setdefault(procs, []).append(done / wall)
            result["rates"][procs] = max(result["runs"][procs])
    else:
        root = make_root("cli")
        t = time.perf_counter()
        for i, d in enumerate(datas):
            (root / "data.json").write_text(d, encoding="utf-8")
            try:
                compile_one(root, root / "letter.typ", root / "out" / f"{i:05}-letter.pdf")
                compile_one(root, root / "envelope.typ", root / "out" / f"{i:05}-envelope.pdf")
            except Exception as err:  # noqa: BLE001 — report any failure and go on
                return None, f"{what} failed: {err}"
        result["rates"][1] = len(datas) / (time.perf_counter() - t)
    return result, what


# --------------------------------------------------------------------------

def fmt_cores(x):
    return "?" if x is None else f"{x:.2f} cores"


def stage_walls(r):
    """The render stage's wall time split by the workers' CPU shares:
    (compile, export, checks + print-file pieces)."""
    cpu = r["render_cpu_s"] or 1.0
    share = r["render_s"] / cpu
    compile_s, export_s = r["compile_cpu_s"] * share, r["export_cpu_s"] * share
    return compile_s, export_s, r["render_s"] - compile_s - export_s


def table(rows):
    head = ["N", "packets/s", "wall s", "load+validate s", "compile s", "PDF export s",
            "checks+print pieces s", "zip+print files s (end)", "peak memory MiB", "bytes/packet",
            "% of limit"]
    out = ["| " + " | ".join(head) + " |", "|" + "|".join("---:" for _ in head) + "|"]
    for r in rows:
        compile_s, export_s, other_s = stage_walls(r)
        out.append("| " + " | ".join([
            f"{r['n']}", f"{r['packets_per_s']:.1f}", f"{r['wall_s']:.2f}",
            f"{r['load_validate_s']:.2f}", f"{compile_s:.2f}", f"{export_s:.2f}",
            f"{other_s:.2f}", f"{r['bundle_s']:.2f}",
            f"{r['peak_rss_mib']:.0f}", f"{r['bytes_per_packet']:.0f}",
            f"{r['pct_of_limit']:.1f} %"]) + " |")
    return "\n".join(out)


def git_state():
    def git(*args):
        p = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        # rstrip: porcelain lines start with a space when only the worktree changed.
        return p.stdout.rstrip() if p.returncode == 0 else None
    return {"commit": git("rev-parse", "HEAD"),
            "dirty": [l[3:] for l in (git("status", "--porcelain", "--untracked-files=no") or "")
                      .splitlines()]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100,1000,10000",
                    help="recipients per synthetic campaign, comma separated (default: %(default)s)")
    ap.add_argument("--jobs", type=int, help="jobs (worker processes) for the builds (default: letterpress's, all cores)")
    ap.add_argument("--keep", type=Path, metavar="DIR",
                    help="keep campaigns and zips in DIR and write DIR/results.json")
    ap.add_argument("--seed", default="1", help="seed for the synthetic recipients (default: %(default)s)")
    ap.add_argument("--limit-n", type=int, default=200, metavar="N",
                    help="packets in the --jobs 1 run that measures the limit (default: %(default)s)")
    ap.add_argument("--limit-runs", type=int, default=3, metavar="K",
                    help="runs of the limit build; the fastest counts (default: %(default)s)")
    ap.add_argument("--runs", type=int, default=3, metavar="K",
                    help="builds per N; the fastest makes the row, all are listed (default: %(default)s)")
    ap.add_argument("--typst-sample", type=int, default=400, metavar="K",
                    help="recipients in the stock-Typst comparison, if Typst is installed; 0 skips it (default: %(default)s)")
    ap.add_argument("--pairs", type=int, default=0, metavar="K",
                    help="after the table, K pairs of the Python loop (2 processes) and a build of the "
                         "largest N right after it, each pair's ratio listed: the machine's speed "
                         "drifts less within a pair than across the whole run (default: %(default)s)")
    ap.add_argument("--print-part-size", type=int, metavar="K",
                    help="set [campaign] print_part_size (default: letterpress's)")
    ap.add_argument("--no-build", action="store_true",
                    help="use target/release/letterpress as it is (default: `cargo build --release` first)")
    args = ap.parse_args()
    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
        assert sizes and all(s > 0 for s in sizes)
    except (ValueError, AssertionError):
        ap.error(f"--sizes must be positive integers separated by commas, not {args.sizes!r}")
    if args.jobs is not None and args.jobs < 1:
        ap.error("--jobs must be at least 1")
    if args.limit_n < 1 or args.limit_runs < 1 or args.runs < 1:
        ap.error("--limit-n, --limit-runs and --runs must be at least 1")
    if args.pairs < 0:
        ap.error("--pairs must be 0 or more")

    ensure_time()
    if not args.no_build:
        build_binary()
    if not BINARY.exists():
        sys.exit(f"error: {BINARY} is missing; run `cargo build --release`")

    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        work, tmp = args.keep.resolve(), None
    else:
        tmp = tempfile.TemporaryDirectory(prefix="letterpress-bench-")
        work = Path(tmp.name)
    try:
        with open("/proc/loadavg") as f:
            load = f.read().split()[0]
    except OSError:
        load = None
    print(f"work folder: {work}  (cores: {os.cpu_count()}, load average: {load})", file=sys.stderr)

    try:
        # The limit: one thread compiling and exporting packets back to back,
        # on recipients like the builds' (all different: repeating the
        # reference's eight would let Typst's cache answer for most of the
        # work and understate a packet's cost).
        ref = write_campaign(work / "bench-limit", "bench-limit",
                             recipients(args.limit_n, f"{args.seed}-limit"), args.print_part_size)
        # Best of a few: on a busy machine a run only ever gets slower.
        tries = [run_build(ref, work / "bench-limit" / "out", 1) for _ in range(args.limit_runs)]
        def warm(t):  # one compile + export, the definition of the limit
            return (t["compile_cpu_s"] + t["export_cpu_s"]) / t["packets"]
        lim = min(tries, key=warm)
        per_packet = warm(lim)
        each = ", ".join(f"{1000 * warm(t):.1f}" for t in tries)
        print(f"limit: {per_packet * 1000:.1f} ms per packet ({lim['packets']} synthetic "
              f"recipients, --jobs 1, best of {len(tries)}: "
              f"{each} ms)"
              f" = {1 / per_packet:.1f} packets/s per thread; other processes kept "
              f"{fmt_cores(lim['other_cores_busy'])} busy", file=sys.stderr)

        rows, campaigns = [], {}
        # The machine's speed drifts by ±15 % from one minute to the next, so
        # each build is held to the limit measured right before and right
        # after it (the faster of the two), not only to the one at the start.
        before = tries[-1]
        for n in sizes:
            people = recipients(n, args.seed)
            path = write_campaign(work / f"bench-{n}", f"bench-{n}", people, args.print_part_size)
            campaigns[n] = (path, people)
            # Best of a few, like the limit: the same build minutes apart
            # differs by up to 15 % here. Every run is held to the limit runs
            # right before and after it, and every run is listed.
            runs = []
            for k in range(args.runs):
                print(f"N={n}: building ({k + 1} of {args.runs}) …", file=sys.stderr, flush=True)
                m = run_build(path, work / f"bench-{n}" / "out", args.jobs)
                if m["packets"] != n:
                    raise BuildFailed(f"error: N={n} built {m['packets']} packets")
                after = run_build(ref, work / "bench-limit" / "out", 1)
                adjacent = min(warm(before), warm(after))
                before = after
                limit_rate = m["jobs"] / adjacent
                m.update(n=n, packets_per_s=n / m["wall_s"], bytes_per_packet=m["zip_bytes"] / n,
                         limit_packets_per_s=limit_rate, limit_s_per_packet=adjacent)
                m["pct_of_limit"] = 100 * m["packets_per_s"] / limit_rate
                # The same, held to the compile + export CPU per packet of
                # this very build (two processes at once, at the machine's
                # speed of that minute): what the rest of the build costs.
                in_build = (m["compile_cpu_s"] + m["export_cpu_s"]) / n
                m["in_build_s_per_packet"] = in_build
                m["pct_of_in_build_limit"] = 100 * m["packets_per_s"] * in_build / m["jobs"]
                runs.append(m)
            # Memory: one more build, sampled every 0.05 s. Reading the
            # three processes' smaps_rollup that often kept 0.05 cores busy
            # (2.5 % of this machine, taken from the build it measured), so
            # the timed runs above are not sampled.
            print(f"N={n}: building once more to sample its memory …", file=sys.stderr,
                  flush=True)
            mem = run_build(path, work / f"bench-{n}" / "out", args.jobs, sample=True)
            m = max(runs, key=lambda r: r["packets_per_s"])
            # Memory is the highest of all runs, not the fastest run's.
            m["peak_rss_mib"] = max(r["peak_rss_mib"] for r in [*runs, mem])
            m["rss_timeline"] = mem["rss_timeline"]
            m["memory_run"] = {k: mem[k] for k in ("wall_s", "peak_rss_mib", "other_cores_busy")}
            m["runs"] = [{k: r[k] for k in ("wall_s", "packets_per_s", "pct_of_limit",
                                             "limit_s_per_packet", "in_build_s_per_packet",
                                             "pct_of_in_build_limit", "peak_rss_mib", "user_s",
                                             "sys_s", "other_cores_busy")} for r in runs]
            by_country = {}
            for r in people:
                c = r["address"]["country"]
                by_country[c] = by_country.get(c, 0) + 1
            m["by_country"] = by_country
            rows.append(m)
            rates = ", ".join(f"{r['packets_per_s']:.1f}" for r in runs)
            print(f"N={n}: best {m['wall_s']:.2f} s, {m['packets_per_s']:.1f} packets/s "
                  f"(runs: {rates}), "
                  f"peak memory {m['peak_rss_mib']:.0f} MiB, {m['warnings']} warnings", file=sys.stderr)
            if not args.keep:
                shutil.rmtree(work / f"bench-{n}" / "out", ignore_errors=True)
    except BuildFailed as err:
        print(err, file=sys.stderr)
        if tmp:
            print("(the generated campaign is gone with the temp folder; "
                  "run with --keep DIR to inspect it)", file=sys.stderr)
        sys.exit(1)

    n0 = max(sizes)
    cache = {}
    typst, why = typst_loop(campaigns[n0][0], campaigns[n0][1], args.typst_sample, work,
                            args.runs, cache=cache)
    pairs = []
    if typst and "Python" in typst["tool"]:
        for k in range(args.pairs):
            print(f"pair {k + 1} of {args.pairs}: Python loop, then N={n0} …", file=sys.stderr,
                  flush=True)
            py, _ = typst_loop(campaigns[n0][0], campaigns[n0][1], args.typst_sample, work, 1,
                               (2,), cache=cache)
            if not py:
                break
            try:
                m = run_build(campaigns[n0][0], work / f"bench-{n0}" / "out", args.jobs)
            except BuildFailed as err:
                print(err, file=sys.stderr)
                break
            lp = n0 / m["wall_s"]
            pairs.append({"python_2_procs": py["rates"][2], "letterpress": lp,
                          "ratio": lp / py["rates"][2]})
        typst["pairs"] = pairs
    elif args.pairs:
        print("--pairs skipped: it needs the Python package `typst`", file=sys.stderr)
    print()
    print(table(rows))
    print()
    print(f"limit: {rows[-1]['jobs']} threads / (compile_cpu + export_cpu) per packet of "
          f"{lim['packets']} synthetic recipients at --jobs 1; at the start {per_packet * 1000:.1f} ms "
          f"(best of {len(tries)}); each build is held to the faster of the runs right before and "
          f"after it: " + ", ".join(
              f"N={r['n']}: {1000 * r['limit_s_per_packet']:.1f} ms = {r['limit_packets_per_s']:.1f} "
              f"packets/s" for r in rows))
    for r in rows:
        cpu = r["user_s"] + r["sys_s"]
        print(f"N={r['n']}: {r['jobs']} jobs, CPU (user+sys, all processes) {cpu:.1f} s = "
              f"{1000 * cpu / r['n']:.1f} ms per packet, {cpu / r['wall_s']:.2f} cores busy "
              f"(other processes: {fmt_cores(r['other_cores_busy'])}); "
              f"writer busy {r['write_s']:.2f} s, workers waited for it {r['waited_s']:.2f} s; "
              f"memory at 25/50/75/100 % of the memory run: {rss_profile(r['rss_timeline'])} MiB "
              f"(sampled every 0.05 s in one more build, {r['memory_run']['wall_s']:.2f} s; the "
              f"timed runs are not sampled)")
        print(f"N={r['n']}: all {len(r['runs'])} runs, packets/s (% of the limit around each): "
              + ", ".join(f"{x['packets_per_s']:.1f} ({x['pct_of_limit']:.1f} % of "
                          f"{r['jobs'] / x['limit_s_per_packet']:.0f})" for x in r["runs"])
              + f"; median {statistics.median(x['pct_of_limit'] for x in r['runs']):.1f} %")
        print(f"N={r['n']}: held to its own compile + export CPU per packet instead (measured in "
              f"the build, two processes at once: "
              + ", ".join(f"{1000 * x['in_build_s_per_packet']:.2f}" for x in r["runs"])
              + " ms), the runs reach "
              + ", ".join(f"{x['pct_of_in_build_limit']:.1f}" for x in r["runs"])
              + f" % (median {statistics.median(x['pct_of_in_build_limit'] for x in r['runs']):.1f} %)")
    print(f"machine: {os.cpu_count()} cores, load average {load} at start "
          f"(other work on the machine slows every number above)")
    if typst:
        for procs, rate in sorted(typst["rates"].items()):
            print(f"stock Typst per recipient ({typst['tool']}, {typst['sample']} recipients of "
                  f"N={n0}, {procs} process{'es' if procs > 1 else ''}"
                  f"{', one compiler per template reused' if 'Python' in typst['tool'] else ''}, "
                  f"every PDF written): {rate:.1f} packets/s"
                  + (f" (best of {', '.join(f'{x:.1f}' for x in typst['runs'][procs])})"
                     if len(typst.get("runs", {}).get(procs, [])) > 1 else ""))
        best = max(typst["rates"].values())
        typst["ratios"] = {r["n"]: r["packets_per_s"] / best for r in rows}
        print("letterpress build ÷ its best: " + ", ".join(
            f"N={n}: {x:.2f}×" for n, x in typst["ratios"].items()))
        if pairs:
            print(f"in pairs (Python loop in 2 processes, then N={n0} right after): " + ", ".join(
                f"{p['python_2_procs']:.1f} / {p['letterpress']:.1f} packets/s = "
                f"{p['ratio']:.2f}×" for p in pairs)
                + f"; median {statistics.median(p['ratio'] for p in pairs):.2f}×")
    else:
        print(f"stock Typst comparison skipped: {why}")

    if args.keep:
        results = {
            "command": " ".join([Path(sys.executable).name, *sys.argv]),
            "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "cores": os.cpu_count(), "load_average_at_start": load,
            "git": git_state(), "seed": args.seed,
            "limit": {"packets": lim["packets"], "cpu_s_per_packet": per_packet,
                      "packets_per_s_per_thread": 1 / per_packet, "runs": tries},
            "rows": rows,
            "typst": typst if typst else {"skipped": why},
        }
        out = args.keep / "results.json"
        out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {out}", file=sys.stderr)
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
