"""The demo program behind `openprm demo`: vendor staff, partners in every stage and region, their people.

Everything goes through the services, as production would, so every partner has its audit trail. The same
seed gives the same program. The services stamp every change with the current time; a demo wants history,
so a few dates are moved back afterwards with queryset updates (marked "demo-only shortcut" below).
"""

import random
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db import transaction

from openprm.accounts import services as accounts
from openprm.accounts.models import Invitation, Role, User
from openprm.audit import services as audit
from openprm.audit.models import Action
from openprm.lib import clock
from openprm.lib.formatting import article, in_sentence
from openprm.lib.money import CURRENCIES
from openprm.lib.regions import Region, country_name

from . import services
from .models import (
    DEFAULT_STAGE_TARGET_DAYS,
    DEVELOPMENT_STAGES,
    OnboardingTask,
    Partner,
    PartnerTypeCode,
    ScorecardCriterion,
    Stage,
    StageChange,
    StageTarget,
)

DEMO_PASSWORD = "demo-pass-2026"
DEMO_DOMAIN = "openprm.demo"
ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"

# (key, role, full name, e-mail, time zone, regions owned by a channel manager)
VENDOR_STAFF = [
    ("admin", Role.ADMIN, "Morgan Ellis", ADMIN_EMAIL, "America/New_York", ()),
    ("americas", Role.CHANNEL_MANAGER, "Daniel Brooks", f"daniel.brooks@{DEMO_DOMAIN}", "America/Chicago",
     (Region.NORTH_AMERICA, Region.LATIN_AMERICA)),
    ("emea", Role.CHANNEL_MANAGER, "Sofia Lindqvist", f"sofia.lindqvist@{DEMO_DOMAIN}", "Europe/Stockholm",
     (Region.EUROPE, Region.MIDDLE_EAST, Region.AFRICA)),
    ("apj", Role.CHANNEL_MANAGER, "Priya Raman", f"priya.raman@{DEMO_DOMAIN}", "Asia/Singapore",
     (Region.INDIA, Region.APAC)),
    ("finance", Role.FINANCE, "Hannah Weiss", f"finance@{DEMO_DOMAIN}", "Europe/Berlin", ()),
    ("marketing", Role.MARKETING, "Lucas Moreau", f"marketing@{DEMO_DOMAIN}", "Europe/Paris", ()),
    ("support", Role.SUPPORT, "Kenji Watanabe", f"support@{DEMO_DOMAIN}", "Asia/Tokyo", ()),
]

# Regions in a fixed order: partner i lives in REGIONS[i % 7], so any 7 partners cover every region.
REGIONS = [Region.NORTH_AMERICA, Region.LATIN_AMERICA, Region.EUROPE, Region.MIDDLE_EAST, Region.AFRICA,
           Region.INDIA, Region.APAC]
# Partner i's main type is TYPES[i % 8], so any 8 partners cover every type.
TYPES = list(PartnerTypeCode.values)
# Share of the program in each stage; every stage gets at least one partner.
STAGE_SHARES = [
    (Stage.ACTIVE, 0.40), (Stage.ONBOARDING, 0.10), (Stage.NEGOTIATION, 0.10), (Stage.QUALIFICATION, 0.12),
    (Stage.IDENTIFICATION, 0.12), (Stage.SUSPENDED, 0.08), (Stage.TERMINATED, 0.08),
]
TIER_SHARES = [("platinum", 0.05), ("gold", 0.10), ("silver", 0.15)]  # bronze: everyone else

# Given names and family names by culture, space-separated ("_" joins a two-word name).
NAMES = {
    "us": ("James Emily Michael Sarah David Jessica Chris Ashley Ryan Megan Kevin Lauren Brian Nicole",
           "Miller Johnson Carter Thompson Brooks Bennett Hayes Foster Russell Griffin Coleman Price Sullivan"),
    "ca": ("Liam Chloe Noah Emma Ethan Olivia Mathieu Camille Owen Avery Julien Sophie",
           "Tremblay Roy Gagnon Campbell MacDonald Wong Leblanc Fraser Bouchard Stewart"),
    "es_latam": ("Camila Mateo Valentina Santiago Lucía Diego Sofía Joaquín Fernanda Andrés Daniela Emiliano",
                 "González Rodríguez Fernández López Martínez Ramírez Torres Herrera Castillo Vargas Rojas"),
    "br": ("Gabriel Isabela Rafael Mariana Lucas Beatriz Thiago Larissa Felipe Camila Bruno Juliana",
           "Silva Oliveira Pereira Souza Costa Almeida Carvalho Ribeiro Barbosa Lima"),
    "uk": ("Oliver Amelia Harry Isla George Charlotte Jack Emily Thomas Grace", "Smith Jones Taylor Davies "
           "Evans Wright Walker Hughes Clarke Turner"),
    "de": ("Lukas Anna Jonas Lena Felix Hannah Maximilian Laura Tobias Julia", "Schneider Fischer Weber Becker "
           "Hoffmann Bauer Wagner Schäfer Koch Richter"),
    "fr": ("Pierre Chloé Louis Camille Antoine Léa Hugo Manon Julien Inès", "Dubois Moreau Laurent Lefebvre "
           "Girard Bonnet Mercier Fontaine Rousseau Blanc"),
    "nl": ("Daan Sanne Sem Lotte Bram Fleur Thijs Iris", "de_Vries Jansen Bakker Visser Smit Meijer de_Boer Mulder"),
    "es": ("Alejandro Lucía Pablo María Javier Carmen Álvaro Paula", "García Martínez Sánchez Romero Navarro "
           "Torres Domínguez Gil"),
    "it": ("Marco Giulia Matteo Chiara Luca Francesca Andrea Sara", "Rossi Russo Ferrari Esposito Bianchi Romano "
           "Colombo Ricci"),
    "nordic": ("Lars Ingrid Erik Astrid Johan Elin Nils Maja", "Andersson Johansson Karlsson Nilsson Lindberg "
               "Berg Holm Eriksson"),
    "pl": ("Jan Katarzyna Piotr Agnieszka Tomasz Magdalena Michał Zofia", "Kowalski Nowak Wiśniewski Wójcik "
           "Kamiński Lewandowski Zieliński Szymański"),
    "arab": ("Omar Layla Yousef Noor Khalid Fatima Hassan Rania Karim Mariam Tariq Huda", "Al-Mansouri Haddad "
             "Khoury Al-Farsi Nasser Saleh Al-Qahtani Barakat Al-Hashimi Aziz"),
    "il": ("Avi Tamar Noam Yael Eitan Shira Omer Maya", "Cohen Levi Mizrahi Peretz Friedman Katz Ben-David Shapiro"),
    "tr": ("Emre Zeynep Burak Elif Can Ayşe Mert Deniz", "Yılmaz Kaya Demir Şahin Çelik Aydın Öztürk Arslan"),
    "za": ("Thabo Zanele Sipho Naledi Pieter Anke Lwazi Ayesha", "Nkosi Dlamini Naidoo van_der_Merwe Botha "
           "Mokoena Pillay Khumalo"),
    "ng": ("Chinedu Amara Tunde Ngozi Emeka Funke Segun Aisha", "Okafor Adeyemi Eze Balogun Okonkwo Bello "
           "Ogunleye Nwosu"),
    "ke": ("Wanjiru Otieno Kamau Akinyi Njeri Baraka Achieng Mwangi", "Mwangi Otieno Kamau Wambui Ochieng "
           "Kiplagat Njoroge Mutua"),
    "gh": ("Kwame Ama Kofi Abena Yaw Efua Kojo Akosua", "Mensah Boateng Owusu Asante Appiah Osei Adjei Agyeman"),
    "in": ("Aarav Priya Rohan Ananya Vikram Kavya Arjun Sneha Rahul Meera Siddharth Divya", "Sharma Iyer Patel "
           "Reddy Nair Gupta Menon Rao Kulkarni Banerjee Desai Chatterjee"),
    "lk": ("Dinesh Nadeesha Kasun Tharushi Ruwan Ishara", "Perera Fernando Silva Jayasinghe Wickramasinghe Bandara"),
    "jp": ("Hiroshi Yuki Takumi Aoi Kenta Sakura Daiki Haruka", "Tanaka Suzuki Sato Takahashi Watanabe Ito "
           "Yamamoto Nakamura"),
    "kr": ("Min-jun Seo-yeon Ji-ho Ha-eun Do-yun Ji-woo", "Kim Lee Park Choi Jung Kang"),
    "au": ("Jack Olivia Lachlan Chloe Cooper Mia Riley Isla", "Wilson Taylor Anderson Thompson Ryan Kelly "
           "Mitchell Walsh"),
    "sg": ("Wei_Ling Jun_Hao Mei Xin Darren Priya Ahmad Hui_Min", "Tan Lim Ng Lee Wong Goh Chua Rahman"),
    "id": ("Budi Siti Agus Dewi Rizky Putri Andi Ayu", "Santoso Wijaya Hidayat Saputra Kusuma Pratama "
           "Halim Nugroho"),
    "my": ("Ahmad Nurul Wei_Jie Mei_Ling Arjun Siti Hafiz Aina", "Abdullah Tan Lim Rahman Ismail Wong Kumar Ng"),
}

# code: (culture, time zones, languages, web suffix, legal suffix, currency, phone prefix, cities, name stems)
COUNTRY_DATA = {
    "US": ("us", ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"], ["en"], ".com",
           "Inc.", "USD", "+1", ["Austin", "Boston", "Chicago", "Denver", "Seattle", "Atlanta", "Raleigh"],
           ["Northwind", "Blue Ridge", "Cascade", "Lakeshore", "Granite Peak", "Redwood", "Ironbridge",
            "Silver Creek", "Keystone", "Prairie", "Harborview", "Liberty"]),
    "CA": ("ca", ["America/Toronto", "America/Vancouver", "America/Montreal"], ["en", "fr"], ".ca", "Ltd.", "CAD",
           "+1", ["Toronto", "Vancouver", "Montréal", "Ottawa", "Calgary"],
           ["Maple Leaf", "True North", "Laurentian", "Muskoka", "Fraser Valley", "Borealis"]),
    "MX": ("es_latam", ["America/Mexico_City", "America/Monterrey"], ["es"], ".com.mx", "S.A. de C.V.", "MXN", "+52",
           ["Ciudad de México", "Monterrey", "Guadalajara", "Querétaro"],
           ["Sierra Madre", "Azteca", "Pacífico", "Nopal", "Cenote"]),
    "BR": ("br", ["America/Sao_Paulo"], ["pt"], ".com.br", "Ltda.", "BRL", "+55",
           ["São Paulo", "Rio de Janeiro", "Curitiba", "Belo Horizonte", "Porto Alegre"],
           ["Ipê", "Cerrado", "Atlântico", "Paraná", "Jacarandá", "Guanabara"]),
    "AR": ("es_latam", ["America/Argentina/Buenos_Aires"], ["es"], ".com.ar", "S.A.", "ARS", "+54",
           ["Buenos Aires", "Córdoba", "Rosario", "Mendoza"], ["Pampa", "Andina", "Patagonia", "Río de la Plata"]),
    "CL": ("es_latam", ["America/Santiago"], ["es"], ".cl", "SpA", "CLP", "+56",
           ["Santiago", "Valparaíso", "Concepción"], ["Cordillera", "Atacama", "Austral", "Maipo"]),
    "CO": ("es_latam", ["America/Bogota"], ["es"], ".com.co", "S.A.S.", "COP", "+57",
           ["Bogotá", "Medellín", "Cali", "Barranquilla"], ["Cafetal", "Caribe Andino", "Magdalena", "Orquídea"]),
    "GB": ("uk", ["Europe/London"], ["en"], ".co.uk", "Ltd", "GBP", "+44",
           ["London", "Manchester", "Edinburgh", "Bristol", "Leeds", "Cambridge"],
           ["Thames", "Pennine", "Kingsbridge", "Highgate", "Severn", "Albion"]),
    "IE": ("uk", ["Europe/Dublin"], ["en", "ga"], ".ie", "Ltd", "EUR", "+353", ["Dublin", "Cork", "Galway"],
           ["Liffey", "Shamrock", "Emerald Isle", "Wicklow"]),
    "DE": ("de", ["Europe/Berlin"], ["de", "en"], ".de", "GmbH", "EUR", "+49",
           ["Berlin", "München", "Hamburg", "Frankfurt am Main", "Köln", "Stuttgart"],
           ["Rheinwerk", "Nordlicht", "Alpenblick", "Isartal", "Elbufer", "Schwarzwald"]),
    "FR": ("fr", ["Europe/Paris"], ["fr", "en"], ".fr", "SAS", "EUR", "+33",
           ["Paris", "Lyon", "Toulouse", "Nantes", "Lille"], ["Lumière", "Azur", "Vauban", "Loire", "Mistral"]),
    "NL": ("nl", ["Europe/Amsterdam"], ["nl", "en"], ".nl", "B.V.", "EUR", "+31",
           ["Amsterdam", "Rotterdam", "Utrecht", "Eindhoven"], ["Oranje", "Polder", "Zuiderzee", "Tulp"]),
    "ES": ("es", ["Europe/Madrid"], ["es", "ca"], ".es", "S.L.", "EUR", "+34",
           ["Madrid", "Barcelona", "Valencia", "Sevilla"], ["Iberia", "Sierra Nevada", "Mediterránea", "Alhambra"]),
    "IT": ("it", ["Europe/Rome"], ["it"], ".it", "S.r.l.", "EUR", "+39",
           ["Milano", "Roma", "Torino", "Bologna"], ["Dolomiti", "Vesuvio", "Laguna", "Appennino"]),
    "SE": ("nordic", ["Europe/Stockholm"], ["sv", "en"], ".se", "AB", "SEK", "+46",
           ["Stockholm", "Göteborg", "Malmö"], ["Nordvik", "Fjällen", "Skärgård", "Norrsken"]),
    "PL": ("pl", ["Europe/Warsaw"], ["pl", "en"], ".pl", "Sp. z o.o.", "PLN", "+48",
           ["Warszawa", "Kraków", "Wrocław", "Gdańsk"], ["Wisła", "Tatry", "Bałtyk", "Mazowsze"]),
    "AE": ("arab", ["Asia/Dubai"], ["ar", "en"], ".ae", "FZ-LLC", "AED", "+971", ["Dubai", "Abu Dhabi", "Sharjah"],
           ["Falcon", "Oasis", "Al Noor", "Dune", "Creekside"]),
    "SA": ("arab", ["Asia/Riyadh"], ["ar", "en"], ".sa", "Co. Ltd.", "SAR", "+966", ["Riyadh", "Jeddah", "Dammam"],
           ["Najd", "Al Majd", "Red Sea", "Al Waha"]),
    "QA": ("arab", ["Asia/Qatar"], ["ar", "en"], ".qa", "W.L.L.", "QAR", "+974", ["Doha"], ["Pearl", "Al Bidda"]),
    "IL": ("il", ["Asia/Jerusalem"], ["he", "en"], ".co.il", "Ltd.", "ILS", "+972", ["Tel Aviv", "Haifa", "Herzliya"],
           ["Carmel", "Negev", "Galil", "Yarden"]),
    "TR": ("tr", ["Europe/Istanbul"], ["tr", "en"], ".com.tr", "A.Ş.", "TRY", "+90", ["İstanbul", "Ankara", "İzmir"],
           ["Boğaziçi", "Anadolu", "Kapadokya", "Ege"]),
    "ZA": ("za", ["Africa/Johannesburg"], ["en", "af"], ".co.za", "(Pty) Ltd", "ZAR", "+27",
           ["Johannesburg", "Cape Town", "Durban", "Pretoria"],
           ["Protea", "Karoo", "Table Bay", "Highveld", "Umhlanga"]),
    "NG": ("ng", ["Africa/Lagos"], ["en"], ".com.ng", "Ltd", "NGN", "+234", ["Lagos", "Abuja", "Port Harcourt"],
           ["Eko", "Zuma Rock", "Niger Delta", "Lekki"]),
    "KE": ("ke", ["Africa/Nairobi"], ["en", "sw"], ".co.ke", "Ltd", "KES", "+254", ["Nairobi", "Mombasa", "Kisumu"],
           ["Savannah", "Kilima", "Rift Valley", "Simba"]),
    "EG": ("arab", ["Africa/Cairo"], ["ar", "en"], ".com.eg", "S.A.E.", "EGP", "+20", ["Cairo", "Alexandria", "Giza"],
           ["Nile", "Delta Misr", "Pharos", "Sinai"]),
    "GH": ("gh", ["Africa/Accra"], ["en"], ".com.gh", "Ltd", "USD", "+233", ["Accra", "Kumasi"],
           ["Volta", "Adinkra", "Gold Coast"]),
    "MA": ("arab", ["Africa/Casablanca"], ["ar", "fr"], ".ma", "SARL", "USD", "+212", ["Casablanca", "Rabat"],
           ["Atlas", "Majorelle", "Anfa"]),
    "IN": ("in", ["Asia/Kolkata"], ["en", "hi"], ".in", "Pvt. Ltd.", "INR", "+91",
           ["Bengaluru", "Mumbai", "Pune", "Hyderabad", "Chennai", "Gurugram", "Kochi"],
           ["Sahyadri", "Kaveri", "Nilgiri", "Ganga", "Vindhya", "Deccan", "Infotrek", "Saptarishi", "Aravalli",
            "Narmada", "Konark", "Himalaya"]),
    "LK": ("lk", ["Asia/Colombo"], ["en", "si"], ".lk", "(Pvt) Ltd", "USD", "+94", ["Colombo", "Kandy"],
           ["Serendib", "Lanka Ceylon", "Sigiriya"]),
    "AU": ("au", ["Australia/Sydney", "Australia/Melbourne", "Australia/Brisbane"], ["en"], ".com.au", "Pty Ltd",
           "AUD", "+61", ["Sydney", "Melbourne", "Brisbane", "Perth"],
           ["Southern Cross", "Coral Coast", "Eucalypt", "Blue Mountains", "Wattle"]),
    "NZ": ("au", ["Pacific/Auckland"], ["en", "mi"], ".co.nz", "Limited", "NZD", "+64", ["Auckland", "Wellington"],
           ["Kauri", "Tasman", "Aoraki"]),
    "SG": ("sg", ["Asia/Singapore"], ["en", "zh"], ".com.sg", "Pte. Ltd.", "SGD", "+65", ["Singapore"],
           ["Lion City", "Merlion", "Marina Bay", "Straits"]),
    "JP": ("jp", ["Asia/Tokyo"], ["ja", "en"], ".co.jp", "K.K.", "JPY", "+81", ["Tokyo", "Osaka", "Nagoya", "Fukuoka"],
           ["Sakura", "Fujiyama", "Kaizen", "Hikari", "Kumo"]),
    "KR": ("kr", ["Asia/Seoul"], ["ko", "en"], ".co.kr", "Co., Ltd.", "KRW", "+82", ["Seoul", "Busan", "Pangyo"],
           ["Hanriver", "Baekdu", "Mugunghwa"]),
    "ID": ("id", ["Asia/Jakarta"], ["id", "en"], ".co.id", "PT", "IDR", "+62", ["Jakarta", "Surabaya", "Bandung"],
           ["Nusantara", "Garuda", "Merapi"]),
    "MY": ("my", ["Asia/Kuala_Lumpur"], ["ms", "en"], ".com.my", "Sdn. Bhd.", "MYR", "+60",
           ["Kuala Lumpur", "Penang", "Johor Bahru"], ["Petronas Sky", "Langkawi", "Rimba"]),
}
# Which countries each region's partners come from; repeats weight the draw.
REGION_COUNTRIES = {
    Region.NORTH_AMERICA: ["US", "US", "US", "CA"],
    Region.LATIN_AMERICA: ["BR", "BR", "MX", "MX", "AR", "CL", "CO"],
    Region.EUROPE: ["GB", "GB", "DE", "DE", "FR", "NL", "ES", "IT", "SE", "PL", "IE"],
    Region.MIDDLE_EAST: ["AE", "AE", "SA", "IL", "QA", "TR"],
    Region.AFRICA: ["ZA", "ZA", "NG", "KE", "EG", "GH", "MA"],
    Region.INDIA: ["IN", "IN", "IN", "IN", "LK"],
    Region.APAC: ["AU", "AU", "SG", "SG", "JP", "NZ", "KR", "ID", "MY"],
}
# What a partner's name says about it, by its main type.
DESCRIPTORS = {
    "reseller": ["IT Solutions", "Systems", "Technology Partners", "Computing"],
    "referral": ["Advisory", "Consulting", "Business Partners"],
    "technology": ["Labs", "Software", "Data Works", "Analytics"],
    "alliance": ["Global Services", "Consulting Group", "Strategy Group"],
    "co_marketing": ["Digital", "Media", "Growth Marketing"],
    "oem": ["Embedded", "Devices", "Platforms"],
    "distributor": ["Distribution", "Trading", "Supply"],
    "msp": ["Managed Services", "Cloud Operations", "Networks", "Cloud"],
}
# A second type that often goes with the main one.
COMPANION_TYPES = {
    "reseller": "msp", "referral": "co_marketing", "technology": "alliance", "alliance": "co_marketing",
    "co_marketing": "referral", "oem": "technology", "distributor": "reseller", "msp": "reseller",
}
SPECIALIZATIONS = [
    "Cloud migration", "Healthcare", "Cybersecurity", "Data & AI", "Retail", "Financial services",
    "Manufacturing", "Public sector", "DevOps", "Identity & access", "Education", "Telecommunications",
    "Energy & utilities", "E-commerce", "Managed networks",
]
CUSTOMER_FOCUS = ["mid-market companies", "enterprise accounts", "small businesses", "public-sector agencies",
                  "fast-growing scale-ups", "regulated industries"]
CONTACT_TITLES = ["Chief Executive Officer", "VP Alliances", "Head of Sales", "Channel Director", "Finance Manager",
                  "Chief Technology Officer", "Marketing Lead", "Head of Customer Success"]
SUSPENSION_REASONS = [
    "Payment terms breached: two invoices more than 90 days overdue.",
    "Compliance review after a customer complaint about data handling.",
    "Certification lapsed: no certified engineer on staff since last quarter.",
    "Pricing guideline violation under investigation.",
]
TERMINATION_REASONS = [
    "Failed reference checks during qualification.",
    "Negotiation stalled: no agreement on the margin structure.",
    "Missed the minimum revenue commitment two years running.",
    "Acquired by a competitor's partner; exclusivity conflict.",
    "Mutual decision: the partner left the cloud-services business.",
]
BRAND_COLORS = [("#0B5FFF", "#00A3A1"), ("#7A1FA2", "#F5A623"), ("#D7263D", "#1B998B"), ("#124E78", "#F0A202"),
                ("#2E7D32", "#A5D6A7"), ("#FF6F00", "#263238"), ("#00695C", "#FFD54F"), ("#283593", "#EC407A")]
PARTNER_USER_ROLES = [Role.PARTNER_SALES, Role.PARTNER_MARKETING, Role.PARTNER_SUPPORT]


@dataclass
class Person:
    full_name: str
    email: str
    phone: str
    title: str


@dataclass
class PartnerPlan:
    """Everything the demo decides about one partner before writing it."""

    index: int
    name: str
    legal_name: str
    country: str
    region: str
    city: str
    time_zone: str
    languages: list[str]
    domain: str
    currency: str
    types: list[str]
    specializations: list[str]
    stage: str
    # For a suspended or terminated partner: the development stage it left from, and why.
    exit_from: str = ""
    exit_reason: str = ""
    late: bool = False
    unassigned: bool = False
    from_application: bool = False
    contacts: list[Person] = field(default_factory=list)
    # The first is the partner admin; given only to partners at negotiation or beyond.
    users: list[tuple[Person, str]] = field(default_factory=list)

    @property
    def reached(self) -> str:
        """The furthest development stage the partner reached."""
        return self.exit_from or self.stage


@dataclass
class DemoResult:
    partners: list[Partner]
    invitations: int
    seconds: float = 0.0


@dataclass
class Login:
    role: str
    name: str
    email: str
    partner: str = ""


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _slug(text: str) -> str:
    return "".join(ch for ch in _ascii(text).lower() if ch.isalnum())


def _stage_counts(n: int) -> dict[str, int]:
    """How many partners each stage gets: the shares above, at least one each, the rest active."""
    counts = {stage: max(1, round(share * n)) for stage, share in STAGE_SHARES}
    counts[Stage.ACTIVE] += n - sum(counts.values())
    if counts[Stage.ACTIVE] < 2:
        raise ValueError(f"The demo needs at least {n - counts[Stage.ACTIVE] + 2} partners.")
    return counts


def _person(rng: random.Random, culture: str, domain: str, phone_prefix: str, title: str, taken: set) -> Person:
    firsts, lasts = (part.split() for part in NAMES[culture])
    for _ in range(50):
        first, last = rng.choice(firsts).replace("_", " "), rng.choice(lasts).replace("_", " ")
        email = f"{_slug(first)}.{_slug(last)}@{domain}"
        if email not in taken:
            break
    else:
        email = f"{_slug(first)}.{_slug(last)}{len(taken)}@{domain}"
    taken.add(email)
    phone = f"{phone_prefix} {rng.randint(100, 999)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
    return Person(full_name=f"{first} {last}", email=email, phone=phone, title=title)


def plan_partners(n: int, rng: random.Random) -> list[PartnerPlan]:
    """Decide every partner: region i % 7, main type i % 8, stages by share (two active ones up front)."""
    counts = _stage_counts(n)
    pool = [stage for stage, count in counts.items() for _ in range(count)]
    pool.remove(Stage.ACTIVE)
    pool.remove(Stage.ACTIVE)
    rng.shuffle(pool)
    # Partners 0 (North America) and 2 (Europe) are active: their admins are the demo's partner logins.
    stages = [Stage.ACTIVE, pool.pop(), Stage.ACTIVE, *pool]
    # A third of the partners still moving through development stages are late in their stage.
    in_progress = [i for i, s in enumerate(stages) if s in DEVELOPMENT_STAGES and s != Stage.ACTIVE]
    late = set(rng.sample(in_progress, k=max(1, len(in_progress) // 3))) if in_progress else set()
    used_names, used_domains, used_stems = set(), set(), set()
    plans, identification_seen, qualification_seen = [], 0, 0
    for i, stage in enumerate(stages):
        region = REGIONS[i % len(REGIONS)]
        country = rng.choice(REGION_COUNTRIES[region])
        culture, zones, languages, suffix, legal, currency, phone, cities, stems = COUNTRY_DATA[country]
        main_type = TYPES[i % len(TYPES)]
        types = [main_type] + ([COMPANION_TYPES[main_type]] if rng.random() < 0.35 else [])
        city = rng.choice(cities)
        fresh = [stem for stem in stems if stem not in used_stems] or stems  # one company per stem if possible
        for attempt in range(100):
            stem = rng.choice(fresh) if attempt < 60 else f"{rng.choice(stems)} {city}"
            descriptor = rng.choice(DESCRIPTORS[main_type])
            name = f"{stem} {descriptor}"
            domain = f"{_slug(stem)}-{_slug(descriptor.split()[0])}{suffix}"
            if name not in used_names and domain not in used_domains:
                break
        else:
            name, domain = f"{name} {i}", f"{_slug(stem)}-{i}{suffix}"
        used_names.add(name)
        used_domains.add(domain)
        used_stems.add(stem)
        legal_name = f"PT {name}" if legal == "PT" else f"{name} {legal}"
        plan = PartnerPlan(
            index=i, name=name, legal_name=legal_name, country=country, region=region, city=city,
            time_zone=rng.choice(zones), languages=list(languages), domain=domain,
            currency=currency if currency in CURRENCIES else "USD", types=types,
            specializations=rng.sample(SPECIALIZATIONS, k=rng.randint(1, 3)), stage=stage, late=i in late,
        )
        if stage == Stage.SUSPENDED:
            plan.exit_from = rng.choice([Stage.ACTIVE, Stage.ACTIVE, Stage.ONBOARDING])
            plan.exit_reason = rng.choice(SUSPENSION_REASONS)
        elif stage == Stage.TERMINATED:
            plan.exit_from = rng.choice([Stage.QUALIFICATION, Stage.NEGOTIATION, Stage.ACTIVE])
            plan.exit_reason = rng.choice(TERMINATION_REASONS)
        elif stage == Stage.IDENTIFICATION:
            plan.unassigned = identification_seen % 2 == 1  # every other new lead waits for an owner
            identification_seen += 1
        elif stage == Stage.QUALIFICATION:
            plan.from_application = qualification_seen % 2 == 0  # some applied through the public form
            qualification_seen += 1
        taken: set[str] = set()
        titles = rng.sample(CONTACT_TITLES, k=3)
        plan.contacts = [_person(rng, culture, domain, phone, titles[k], taken) for k in range(rng.randint(1, 3))]
        if DEVELOPMENT_STAGES.index(plan.reached) >= DEVELOPMENT_STAGES.index(Stage.NEGOTIATION):
            # The primary contact runs the partner's account; 0–2 colleagues join them.
            plan.users = [(plan.contacts[0], Role.PARTNER_ADMIN)]
            for role in rng.sample(PARTNER_USER_ROLES, k=rng.randint(0, 2)):
                title = {"partner_sales": "Account Executive", "partner_marketing": "Marketing Manager",
                         "partner_support": "Support Engineer"}[role]
                plan.users.append((_person(rng, culture, domain, phone, title, taken), role))
        plans.append(plan)
    return plans


# ---------------------------------------------------------------- writing


def is_loaded() -> bool:
    return User.objects.filter(email=ADMIN_EMAIL).exists()


def _seed_staff() -> dict[str, User]:
    """Vendor staff. Only the admin's password is hashed through the service; the others copy that hash."""
    staff = {}
    for key, role, name, email, tz, _regions in VENDOR_STAFF:
        password = DEMO_PASSWORD if role == Role.ADMIN else None
        staff[key] = accounts.create_user(actor=None, email=email, role=role, full_name=name, password=password,
                                          time_zone=tz)
    return staff


def _manager_for(staff: dict[str, User], region: str) -> User:
    for key, _role, _name, _email, _tz, regions in VENDOR_STAFF:
        if region in regions:
            return staff[key]
    raise LookupError(region)


def _profile(plan: PartnerPlan) -> dict:
    types = ", ".join(in_sentence(PartnerTypeCode(t).label) for t in plan.types)
    focus = " and ".join(s.lower() for s in plan.specializations[:2])
    description = (f"{plan.name} is {article(types)} based in {plan.city}, {country_name(plan.country)}, "
                   f"working on {focus} projects for {CUSTOMER_FOCUS[plan.index % len(CUSTOMER_FOCUS)]}.")
    return {"name": plan.name, "legal_name": plan.legal_name, "types": plan.types, "country": plan.country,
            "time_zone": plan.time_zone, "languages": plan.languages, "website": f"https://www.{plan.domain}",
            "domain": plan.domain, "description": description, "specializations": plan.specializations}


def _stage_targets() -> dict[str, int]:
    targets = dict(DEFAULT_STAGE_TARGET_DAYS)
    targets.update(StageTarget.objects.values_list("stage", "target_days"))
    return targets


def _seed_partner(plan: PartnerPlan, staff: dict[str, User], rng: random.Random, password_hash: str,
                  targets: dict[str, int]) -> Partner:
    admin = staff["admin"]
    manager = None if plan.unassigned else _manager_for(staff, plan.region)
    actor = manager or admin
    data = _profile(plan)
    if plan.from_application:
        data.pop("specializations")
        partner = services.submit_application(
            data={k: v for k, v in data.items() if k in services.PARTNER_EDITABLE_FIELDS + ["types"]},
            contact={"name": plan.contacts[0].full_name, "email": plan.contacts[0].email,
                     "phone": plan.contacts[0].phone, "job_title": plan.contacts[0].title})
        # The program admin triages the application: owner and specializations.
        partner = services.update_partner(actor=admin, partner=partner, data={
            "manager": manager, "specializations": plan.specializations})
        contacts = plan.contacts[1:]
    else:
        partner = services.create_partner(actor=actor, data={**data, "manager": manager})
        contacts = plan.contacts
    for k, person in enumerate(contacts):
        services.save_contact(actor=actor, partner=partner, data={
            "name": person.full_name, "email": person.email, "phone": person.phone, "job_title": person.title,
            "is_primary": k == 0 and not plan.from_application})

    reached = DEVELOPMENT_STAGES.index(plan.reached)
    for stage in DEVELOPMENT_STAGES[DEVELOPMENT_STAGES.index(partner.stage) + 1:reached + 1]:
        if stage == Stage.NEGOTIATION:
            _score(partner, actor, rng, plan, complete=True)
        partner = services.change_stage(actor=actor, partner=partner, stage=stage, note=_stage_note(stage, rng))
    if plan.reached == Stage.QUALIFICATION:
        _score(partner, actor, rng, plan, complete=rng.random() < 0.5)  # a scorecard still being filled in

    onboarding_tasks = list(partner.onboarding_tasks.all())
    if onboarding_tasks:
        done = (len(onboarding_tasks) - (1 if rng.random() < 0.25 else 0) if plan.reached == Stage.ACTIVE
                else rng.randint(1, len(onboarding_tasks) - 1))
        for task in onboarding_tasks[:done]:
            services.set_task_done(actor=actor, task=task, done=True)

    users = _seed_partner_users(plan, partner, manager or admin, password_hash)
    if users and reached >= DEVELOPMENT_STAGES.index(Stage.ONBOARDING):
        _seed_profile_by_partner(plan, partner, users[0], rng, manager or admin)

    if plan.stage in (Stage.SUSPENDED, Stage.TERMINATED):
        partner = services.change_stage(actor=actor, partner=partner, stage=plan.stage, note=plan.exit_reason)
        if plan.stage == Stage.TERMINATED:
            for user in users:  # people of a former partner lose access
                accounts.update_user(actor=admin, user=user, is_active=False)
    _backdate(plan, partner, rng, targets)
    return partner


def _stage_note(stage: str, rng: random.Random) -> str:
    return rng.choice({
        Stage.QUALIFICATION: ["Intro call done; good fit on paper.", "Referred by an existing partner.",
                              "Met at the regional partner summit."],
        Stage.NEGOTIATION: ["Scorecard reviewed with the regional VP.", "Qualified: strong market reach."],
        Stage.ONBOARDING: ["Agreement signed.", "Terms agreed; agreement countersigned."],
        Stage.ACTIVE: ["Onboarding complete; first deal registered.", "Launch plan delivered."],
    }[stage])


def _score(partner: Partner, actor: User, rng: random.Random, plan: PartnerPlan, complete: bool) -> None:
    criteria = list(ScorecardCriterion.objects.values_list("code", flat=True))
    if not complete:
        criteria = criteria[: max(1, len(criteria) // 2)]
    base = rng.choice([3, 3, 4, 4, 5])
    scores = {code: min(5, max(1, base + rng.choice([-1, 0, 0, 1]))) for code in criteria}
    roi = Decimal(rng.randrange(50_000, 2_000_000, 5_000)) if plan.currency not in ("JPY", "KRW", "IDR", "CLP",
                                                                                      "COP", "ARS", "NGN") else None
    services.score_partner(
        actor=actor, partner=partner, scores=scores,
        reference_checks=rng.choice(["Two customer references called; both positive.",
                                     "References confirm strong delivery on cloud projects.",
                                     "One reference pending; the first was very positive."]),
        roi_projection=roi if complete else None, roi_currency=plan.currency if roi and complete else None)


def _seed_partner_users(plan: PartnerPlan, partner: Partner, manager: User, password_hash: str) -> list[User]:
    users = [accounts.create_user(actor=manager, email=person.email, role=role, partner=partner,
                                  full_name=person.full_name, time_zone=plan.time_zone)
             for person, role in plan.users]
    if users:
        # Demo-only shortcut: one production-strength hash per user would take ~0.3 s each, so every demo
        # user gets the admin's hash of the shared demo password.
        User.objects.filter(pk__in=[u.pk for u in users]).update(password=password_hash)
    return users


def _seed_profile_by_partner(plan: PartnerPlan, partner: Partner, partner_admin: User, rng: random.Random,
                             vendor: User) -> None:
    """What the partner's admin does in the portal: list in the locator, set branding; the vendor verifies
    the partner's e-mail domain so colleagues can ask to join."""
    changes = {}
    if plan.reached == Stage.ACTIVE and rng.random() < 0.8:
        changes["locator_opt_in"] = True
    if rng.random() < 0.4:
        primary, secondary = rng.choice(BRAND_COLORS)
        changes.update(brand_name=plan.name, brand_primary_color=primary, brand_secondary_color=secondary,
                       support_email=f"support@{plan.domain}")
    if changes:
        services.update_partner(actor=partner_admin, partner=partner, data=changes)
    domain = services.add_domain(actor=vendor, partner=partner, domain=plan.domain)
    services.verify_domain(actor=vendor, domain=domain)


def _backdate(plan: PartnerPlan, partner: Partner, rng: random.Random, targets: dict[str, int]) -> None:
    """Demo-only shortcut: move the partner's history into the past with queryset updates.

    The services stamp changes with the current time; a demo needs partners that joined months ago and some
    that sit in their stage longer than its target (the "late" flag). Audit events stay as recorded.
    """
    now = clock.moment()
    changes = list(StageChange.objects.filter(partner=partner).order_by("id"))
    # Days spent in each stage the partner went through, then in the stage it is in now.
    spent = []
    for change in changes[:-1]:
        if change.to_stage == Stage.ACTIVE:
            spent.append(rng.randint(60, 500))
        else:
            target = targets.get(change.to_stage, 28)
            spent.append(rng.randint(max(2, target // 3), target + target // 4))
    current = plan.stage
    if current == Stage.ACTIVE:
        spent.append(rng.randint(30, 700))
    elif current in (Stage.SUSPENDED, Stage.TERMINATED):
        spent.append(rng.randint(5, 120))
    else:
        target = targets.get(current, 28)
        spent.append(rng.randint(target + 3, target * 3) if plan.late else rng.randint(1, max(1, target - 2)))
    entered, at = [], now
    for days in reversed(spent):
        at -= timedelta(days=days, hours=rng.randint(0, 8))
        entered.insert(0, at)
    for change, when in zip(changes, entered, strict=True):
        StageChange.objects.filter(pk=change.pk).update(changed_at=when)
    Partner.objects.filter(pk=partner.pk).update(created_at=entered[0], stage_entered_at=entered[-1])
    onboarding_start = next((when for change, when in zip(changes, entered, strict=True)
                             if change.to_stage == Stage.ONBOARDING), None)
    if onboarding_start is not None:
        shift = onboarding_start.date() - now.date()
        for task in OnboardingTask.objects.filter(partner=partner, due_on__isnull=False):
            due_on = task.due_on + shift
            # A finished step was done around its due date (never in the future).
            done_at = onboarding_start + timedelta(days=(due_on - onboarding_start.date()).days - rng.randint(0, 3))
            OnboardingTask.objects.filter(pk=task.pk).update(
                due_on=due_on, completed_at=min(done_at, now) if task.completed_at else None)


def _assign_tiers(partners: list[Partner], rng: random.Random, admin: User) -> None:
    """Give active partners a tier. Demo-only shortcut: tiers normally come from a tier review of won deals
    (programs app); the demo sets them with a queryset update and records the change in the audit trail."""
    active = [p for p in partners if p.stage == Stage.ACTIVE]
    rng.shuffle(active)
    start = 0
    for code, share in TIER_SHARES:
        count = max(1, round(share * len(active))) if len(active) >= 4 else 0
        for partner in active[start:start + count]:
            _set_tier(partner, code, admin)
        start += count
    for partner in active[start:]:
        _set_tier(partner, "bronze", admin)


def _set_tier(partner: Partner, code: str, admin: User) -> None:
    Partner.objects.filter(pk=partner.pk).update(tier=code)
    partner.tier = code
    audit.record(actor=admin, action=Action.TRANSITION, verb="partner.tier_changed", obj=partner, partner=partner,
                 changes={"tier": [None, code]}, note="Initial tier (demo data)")


def _seed_invitations(seeded: list[tuple[PartnerPlan, Partner]], staff: dict[str, User], rng: random.Random) -> int:
    """A few invitations still waiting to be accepted: colleagues at active partners, one vendor engineer."""
    accounts.invite(actor=staff["admin"], email=f"ravi.shankar@{DEMO_DOMAIN}", role=Role.SUPPORT,
                    full_name="Ravi Shankar")
    count = 1
    active = [(plan, partner) for plan, partner in seeded if partner.stage == Stage.ACTIVE]
    for plan, partner in rng.sample(active, k=min(3, len(active))):
        inviter = partner.users.filter(role=Role.PARTNER_ADMIN).first()
        if inviter is None:
            continue
        culture, phone = COUNTRY_DATA[plan.country][0], COUNTRY_DATA[plan.country][6]
        taken = set(partner.users.values_list("email", flat=True))
        person = _person(rng, culture, plan.domain, phone, "Account Executive", taken)
        accounts.invite(actor=inviter, email=person.email, role=Role.PARTNER_SALES, partner=partner,
                        full_name=person.full_name)
        count += 1
    return count


def load_demo(*, partners: int = 60, seed: int = 1, progress: Callable[[int], object] | None = None) -> DemoResult:
    """Create the whole demo program in one transaction (all or nothing)."""
    rng = random.Random(seed)
    plans = plan_partners(partners, rng)
    started = time.monotonic()
    with transaction.atomic():
        staff = _seed_staff()
        password_hash = staff["admin"].password
        # Demo-only shortcut (see _seed_partner_users): everyone shares the admin's hash of the demo password.
        User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").update(password=password_hash)
        targets = _stage_targets()
        created = []
        for plan in plans:
            created.append(_seed_partner(plan, staff, rng, password_hash, targets))
            if progress:
                progress(1)
        _assign_tiers(created, rng, staff["admin"])
        invitations = _seed_invitations(list(zip(plans, created, strict=True)), staff, rng)
    return DemoResult(partners=created, invitations=invitations, seconds=time.monotonic() - started)


# ---------------------------------------------------------------- what to print


def demo_logins() -> list[Login]:
    """The fixed vendor logins, the admins of the first active partners in North America and Europe, and a
    partner sales rep (the role that registers deals), so every side of the portal can be tried."""
    logins = []
    for _key, role, _name, email, _tz, _regions in VENDOR_STAFF:
        user = User.objects.filter(email=email).first()
        if user and role in (Role.ADMIN, Role.CHANNEL_MANAGER, Role.FINANCE):
            logins.append(Login(role=user.get_role_display(), name=user.full_name, email=user.email))
    for region in (Region.NORTH_AMERICA, Region.EUROPE):
        user = (User.objects.filter(role=Role.PARTNER_ADMIN, is_active=True, partner__stage=Stage.ACTIVE,
                                    partner__region=region).select_related("partner")
                .order_by("partner_id", "id").first())
        if user:
            logins.append(Login(role=user.get_role_display(), name=user.full_name, email=user.email,
                                partner=f"{user.partner.name} ({Region(region).label})"))
    sales = (User.objects.filter(role=Role.PARTNER_SALES, is_active=True, partner__stage=Stage.ACTIVE)
             .select_related("partner").order_by("partner_id", "id").first())
    if sales:
        logins.append(Login(role=sales.get_role_display(), name=sales.full_name, email=sales.email,
                            partner=f"{sales.partner.name} ({Region(sales.partner.region).label})"))
    return logins


def summary() -> dict[str, dict[str, int]]:
    """Partner counts by stage and by region, for the end of the run."""
    stages = {label: Partner.objects.filter(stage=value).count() for value, label in Stage.choices}
    regions = {label: Partner.objects.filter(region=value).count() for value, label in Region.choices}
    return {"stage": stages, "region": regions,
            "other": {"partners": Partner.objects.count(), "users": User.objects.count(),
                      "pending invitations": Invitation.objects.pending().count(),
                      "late": sum(p.is_late() for p in Partner.objects.filter(stage__in=DEVELOPMENT_STAGES))}}

