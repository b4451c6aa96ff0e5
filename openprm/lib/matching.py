"""Customer matching for deal registration: normalized domains and company names, and their similarity."""

import re
import unicodedata
from difflib import SequenceMatcher

from .text import normalize_domain

__all__ = ["LEGAL_SUFFIXES", "name_similarity", "normalize_company_name", "normalize_domain"]

# Legal-form words that say nothing about which company it is ("Acme Inc" is "Acme GmbH" for matching).
LEGAL_SUFFIXES = {
    "inc", "incorporated", "llc", "llp", "lp", "ltd", "limited", "plc", "corp", "corporation", "co", "company",
    "gmbh", "ag", "kg", "ug", "sa", "sas", "sarl", "srl", "spa", "bv", "nv", "ab", "as", "asa", "oy", "oyj",
    "pvt", "pte", "pty", "kk", "sl", "sro", "sp", "zoo", "doo", "kft", "se", "fze", "fzco", "fzllc", "wll",
    "bhd", "sdn", "tbk", "pt", "ltda", "sac", "cv", "de", "the", "group", "holding", "holdings",
}


def normalize_company_name(name: str) -> str:
    """`The ACME, Inc.` → `acme`: case-folded, accents and punctuation removed, legal suffixes dropped."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = text.replace("&", " and ")
    words = re.sub(r"[^\w\s]", " ", text).split()
    kept = [w for w in words if w not in LEGAL_SUFFIXES]
    # A name made only of suffix-like words ("Holding Group") keeps its words rather than vanish.
    return " ".join(kept or words)


def name_similarity(a: str, b: str) -> int:
    """0–100 similarity of two already-normalized names (difflib ratio, so word order matters)."""
    if not a or not b:
        return 0
    if a == b:
        return 100
    return round(SequenceMatcher(None, a, b).ratio() * 100)
