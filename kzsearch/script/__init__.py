"""Kazakh script conversion: keyboard folding, Latin <-> Cyrillic
transliteration in the 2017, 2018, 2021 and informal orthographies, and
restoration of folded or Latin query words against an index vocabulary.

>>> fold("қазақстан")
'казакстан'
>>> to_latin("Қазақстан Республикасы", "2018")
'Qazaqstan Respýblıkasy'
>>> to_cyrillic("Qazaqstan Respýblıkasy")
'Қазақстан Республикасы'
>>> Restorer([("қазақстан", 9), ("казак", 2)]).restore("казакстан")
'қазақстан'
"""
from .convert import fold, loose_fold, read_latin_word, to_latin
from .latin import detect_orthography, repair_mixed_script, to_cyrillic, to_folded, word_evidence
from .restore import Restorer
from .tables import ORTHOGRAPHIES

__all__ = [
    "ORTHOGRAPHIES",
    "Restorer",
    "detect_orthography",
    "fold",
    "loose_fold",
    "read_latin_word",
    "repair_mixed_script",
    "to_cyrillic",
    "to_folded",
    "to_latin",
    "word_evidence",
]
