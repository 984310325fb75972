"""The E.164 short cut gives phonenumbers' own answer for every number it answers for."""

from __future__ import annotations

import random

import phonenumbers
import pytest
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata

from webapp.importers.cells import CellProblem, phone
from webapp.importers.phones import known_e164

TYPES = ("general_desc", "fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost",
         "personal_number", "voip", "pager", "uan", "voicemail")  # fmt: skip


def phonenumbers_says(words: str, region: str = "SA") -> str | None:
    """What parse, is_valid_number and format_number make of `words`: E.164, or None."""
    try:
        number = phonenumbers.parse(words, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def example_numbers() -> list[str]:
    """Every region's example numbers of every type, near misses and neighbours of each."""
    rng = random.Random(11)
    found = []
    for code, regions in COUNTRY_CODE_TO_REGION_CODE.items():
        for region in regions:
            if region == "001":
                metadata = PhoneMetadata.metadata_for_nongeo_region(code, None)
            else:
                metadata = PhoneMetadata.metadata_for_region(region, None)
            for name in TYPES:
                desc = getattr(metadata, name, None) if metadata else None
                example = desc.example_number if desc is not None else None
                if not example:
                    continue
                last = str((int(example[-1]) + 1) % 10)
                changed = []
                for _ in range(8):  # one digit changed anywhere
                    at = rng.randrange(len(example))
                    changed.append(example[:at] + rng.choice("0123456789") + example[at + 1 :])
                for nsn in (example, example[:-1], example + "5", example[:-1] + last,
                            "0" + example, example[1:], "1" + example, *changed):  # fmt: skip
                    found.append(f"+{code}{nsn}")
    return found


def random_numbers(count: int = 60) -> list[str]:
    """Random digits of every length after every country code, and after no code at all."""
    rng = random.Random(11)
    found = []
    for code in COUNTRY_CODE_TO_REGION_CODE:
        for _ in range(count):
            size = rng.randrange(1, 18)
            found.append(f"+{code}" + "".join(rng.choice("0123456789") for _ in range(size)))
    for _ in range(20 * count):
        size = rng.randrange(3, 21)
        found.append("+" + "".join(rng.choice("0123456789") for _ in range(size)))
    return found


@pytest.mark.parametrize("source", [example_numbers, random_numbers])
def test_the_short_cut_agrees_with_phonenumbers(source):
    """Where the short cut answers, phonenumbers gives the same: valid as typed, or invalid."""
    answered = 0
    for words in source():
        known = known_e164(words)
        if known is None:
            continue
        answered += 1
        assert phonenumbers_says(words) == (words if known else None), words
    assert answered > 1000  # most numbers are answered without parsing


@pytest.mark.parametrize("words", ["+966501234567", "+971501234567", "+33612345678",
                                   "+201001234567", "+966500000000"])  # fmt: skip
def test_common_numbers_take_the_short_cut(words):
    """Typical customers' mobiles in E.164 are answered without phonenumbers.parse."""
    assert known_e164(words) is True
    assert phonenumbers_says(words) == words


OTHER_FORMS = ["+9660501234567", "+15551234567", "+4420 7946 0958", "+800 1234 5678",
               "0501234567", "+٩٦٦٥٠١٢٣٤٥٦٧", "+966 50 123 4567", "+966501234567 ext 3",
               "+0966501234567"]  # fmt: skip
CELLS = ["+966501234567", "00966501234567", "0501234567", "+9660501234567", "+966 50 123 4567",
         "+96650123", "12345", "call me", "+٩٦٦٥٠١٢٣٤٥٦٧", "+15551234567",
         "+12025550123"]  # fmt: skip


@pytest.mark.parametrize("words", OTHER_FORMS)
def test_other_forms_are_left_to_phonenumbers(words):
    """A national prefix, shared or non-geographic codes, punctuation, other digits: None."""
    assert known_e164(words) is None


@pytest.mark.parametrize("words", CELLS)
def test_the_phone_cell_gives_phonenumbers_answer(words):
    """The cell parser: the E.164 phonenumbers gives, or a problem when it gives none."""
    parse = phone("SA")
    cell = "+" + words[2:] if words.startswith("00") else words
    expected = phonenumbers_says(cell)
    if expected is None:
        with pytest.raises(CellProblem):
            parse(words)
    else:
        assert parse(words) == expected
