"""Phone numbers already written in E.164 (+966501234567), checked without parsing them again.

`phonenumbers.parse`, `is_valid_number` and `format_number` take about 15 µs a number, most
of it spent on what a number typed as '+', a country code and digits cannot have: punctuation,
letters, extensions, international prefixes, RFC 3966 parameters. `known_e164` answers for
such a number exactly as those three calls would, doing only the steps that can change the
answer (phonenumbers 9.0's own order and rules, on its own metadata):

1. the country code is the first 1, 2 or 3 digits that name one (`_extract_country_code`);
2. parse would strip a national prefix ('0' in many countries) or mark leading zeros: such
   numbers, and codes shared by several regions (+1, +7, +44...) or by none (+800), are left
   to phonenumbers (None);
3. the number is valid when it matches its region's general pattern and one of its type
   patterns, each allowing its length (`_number_type_helper` is not UNKNOWN); the patterns are
   joined into one per length (the general one as a lookahead), built on first use.

Its E.164 form is then the text itself. tests/imports/test_phones.py compares both ways on
every example number of every region and on random digits after every country code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata, PhoneNumberDesc

_PLUS_DIGITS = re.compile(r"\+[1-9][0-9]{3,19}")  # ASCII digits only, no punctuation
MIN_NSN, MAX_NSN = 2, 17  # phonenumbers' bounds on a national significant number
NON_GEOGRAPHIC = "001"
_NOT_JOINABLE = re.compile(r"\\[1-9]|\(\?[aiLmsux]")  # back-references, flags: left alone
_CODES = frozenset(str(code) for code in COUNTRY_CODE_TO_REGION_CODE)  # no leading zeros

Desc = tuple[frozenset[int], str]  # possible lengths (empty: any), national number pattern


def _desc(desc: PhoneNumberDesc | None) -> Desc | None:
    """A number description as (possible lengths, pattern); None when it matches nothing."""
    if desc is None or not desc.national_number_pattern:
        return None  # as _match_national_number
    return frozenset(desc.possible_length or ()), desc.national_number_pattern


def _fits(length: int, desc: Desc) -> bool:
    return not desc[0] or length in desc[0]


@dataclass
class _Country:
    """What validating a number of one single-region country code needs."""

    national_prefix: re.Pattern[str] | None
    general: Desc
    types: tuple[Desc, ...]
    by_length: dict[int, re.Pattern[str] | None] = field(default_factory=dict)  # built on use

    def valid(self, nsn: str) -> bool:
        """The general pattern and one type's pattern match, each allowing the length."""
        pattern = self.by_length.get(len(nsn), False)
        if pattern is False:
            pattern = self.by_length[len(nsn)] = self._pattern(len(nsn))
        return pattern is not None and pattern.fullmatch(nsn) is not None

    def _pattern(self, length: int) -> re.Pattern[str] | None:
        """One pattern for numbers of `length` digits: the general one as a lookahead, then
        the types' allowing that length as alternatives (None: no number of it is valid)."""
        types = [desc[1] for desc in self.types if _fits(length, desc)]
        if not _fits(length, self.general) or not types:
            return None
        either = "|".join(f"(?:{pattern})" for pattern in types)
        return re.compile(rf"(?=(?:{self.general[1]})\Z)(?:{either})")


@cache
def _country(code: str) -> _Country | None:
    """The country code's rules, or None when phonenumbers must answer for it."""
    regions = COUNTRY_CODE_TO_REGION_CODE.get(int(code), ())
    if len(regions) != 1 or regions[0] == NON_GEOGRAPHIC:
        return None
    metadata = PhoneMetadata.metadata_for_region(regions[0], None)
    if metadata is None or metadata.country_code != int(code):
        return None
    general = _desc(metadata.general_desc)
    if general is None:
        return None
    types = [metadata.mobile, metadata.fixed_line, metadata.premium_rate, metadata.toll_free,
             metadata.shared_cost, metadata.voip, metadata.personal_number, metadata.pager,
             metadata.uan, metadata.voicemail]  # fmt: skip
    if metadata.same_mobile_and_fixed_line_pattern:
        types = types[1:]  # phonenumbers then never tries the mobile pattern
    descs = tuple(desc for desc in map(_desc, types) if desc is not None)
    if any(_NOT_JOINABLE.search(desc[1]) for desc in (general, *descs)):
        return None
    prefix = metadata.national_prefix_for_parsing
    if prefix == "0":
        prefix = None  # matches only what starts with 0, which known_e164 leaves anyway
    return _Country(national_prefix=re.compile(prefix) if prefix else None, general=general,
                    types=descs)  # fmt: skip


@cache
def _code_of(first_digits: str) -> tuple[int, _Country | None] | None:
    """Where the number after '+' starts (1 + the country code's length) and its country's
    rules, from its first three digits; None when they start no country code."""
    for size in (1, 2, 3):  # phonenumbers' _extract_country_code
        if first_digits[:size] in _CODES:
            return size + 1, _country(first_digits[:size])
    return None


def known_e164(words: str) -> bool | None:
    """Whether `words`, written +digits, is a valid number (its E.164 form is `words` itself);
    None when only phonenumbers can tell."""
    if _PLUS_DIGITS.fullmatch(words) is None:
        return None
    found = _code_of(words[1:4])
    if found is None:
        return None  # no such country code: phonenumbers says why
    start, country = found
    nsn = words[start:]
    if country is None or not MIN_NSN <= len(nsn) <= MAX_NSN or nsn[0] == "0":
        return None
    if country.national_prefix is not None and country.national_prefix.match(nsn):
        return None
    return country.valid(nsn)
