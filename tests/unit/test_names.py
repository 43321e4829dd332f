"""The name-correction rule of R-MOD-3 (chalicelib/domain/names.py), on real-looking names."""

from __future__ import annotations

import pytest

from chalicelib.domain import names

# (stored name, new name): corrections of the same person's name.
CORRECTIONS = [
    ("Jose Perez", "José Pérez"),  # accents (rule 1)
    ("PEREZ JOSE", "José Pérez"),  # letter case and order (rules 1, 3)
    ("maria lopez", "María López"),
    ("Geovanny Quiñonez", "Geovanny Quiñónez"),
    ("Pedro Pablo Vásconez", "Pedro Pablo Vasconez"),
    ("Fernando Pérez-Gómez", "Fernando Pérez Gómez"),  # hyphen (rule 1)
    ("Jhon Zambrano", "John Zambrano"),  # swapped letters (rule 4)
    ("Xavier Muñoz", "Javier Muñoz"),  # one letter wrong
    ("Jessica Mendoza", "Yessica Mendoza"),
    ("Katherine Salazar", "Katherin Salazar"),  # one letter extra
    ("Byron Cevallos", "Bayron Cevallos"),  # one letter missing
    ("Cristhian Bravo", "Christian Bravo"),  # two slips in a 9-letter word
    ("Jhon Peres Gomes", "John Pérez Gómez"),  # three slips in all
    ("Carlos Andrade", "Carlos Andrade Cevallos"),  # second surname added (rule 5)
    ("Luis Alberto Mora", "Luis Mora"),  # middle name dropped
    ("José Pérez", "José Luis Pérez Gómez"),  # middle name and second surname added
    ("Andrés Felipe Ríos Castro", "Andres Rios"),  # two words dropped
    ("Maria Jose Cedeño", "María José Cedeño Zambrano"),
    ("Juan C. Pérez", "Juan Carlos Pérez"),  # an initial written out (rule 4)
    ("Maria de los Angeles Vera", "María Ángeles Vera"),  # particles (rule 2)
    ("Stalin Guerrero Paz", "Guerrero Paz Stalin"),  # order
    ("Mariajose Alvarado", "María José Alvarado"),  # run together (rule 6)
    ("Ruth Delacruz", "Ruth De La Cruz"),
    ("Madonna", "Madonna Ciccone"),  # a one-word name completed
    ("DIANA CAROLINA CHAVEZ", "Diana Carolina Chávez Pazmiño"),
    ("Jenny Macias", "Jenny Macías Loor"),
]

# (stored name, new name): another person's name.
REPLACEMENTS = [
    ("Ana Torres", "Carlos Mendoza"),  # every word replaced
    ("Juan Pérez", "Pedro Pérez"),  # given name replaced
    ("María López", "María Sánchez"),  # surname replaced
    ("Luis Alberto Mora", "Luis Fernando Mora"),  # middle name replaced
    ("José Pérez", "Miguel Ángel Rodríguez"),
    ("Carlos Andrade", "Andrés Carlos"),  # 'Andrade' -> 'Andrés' is two slips in 7 letters
    ("Gabriela Torres", "Gabriela Torres Vera Zambrano Cedeño"),  # three names added
    ("Pedro Vera", "Pablo Vera"),
    ("Ana Torres", "Ana"),  # surname dropped: a single word left
    ("Lucía Benítez", "Benítez"),
    ("Esteban Loor", "Esteban"),
    ("Sofía Castillo", "Valentina Castillo"),
    ("Diego Salazar", "Diego Zambrano"),
    ("Mónica Reyes", "Verónica Reyes"),  # three slips in an 8-letter word
    ("Daniel Ortiz", "Daniela Ortega"),
    ("Elena Paredes", "Marco Paredes"),
    ("Segundo Quishpe", "Manuel Quishpe"),
    ("Juan Pablo Arias", "Pablo Andrés Arias"),  # one name dropped and another added
    ("Rosa Elena Cajas", "Rosa Elena Pilco"),
    ("Nelson Ayala", "Wilson Ayala"),  # two slips in a 6-letter word
    ("Tatiana Jaramillo", "Tatiana Guerrero"),
    ("Eva Mora", "Ana Mora"),  # two slips in a 3-letter word
    ("Jhonatan Peres Gomes Veras", "Jonathan Pérez Gómez Vera"),  # five slips in all
    ("J. P.", "Juan Pérez"),  # nothing but initials to go on
]


@pytest.mark.parametrize(("old", "new"), CORRECTIONS)
def test_a_correction_of_the_same_name_is_allowed_r_mod_3(old: str, new: str) -> None:
    assert names.is_correction(old, new)


@pytest.mark.parametrize(("old", "new"), REPLACEMENTS)
def test_another_persons_name_is_refused_r_mod_3(old: str, new: str) -> None:
    assert not names.is_correction(old, new)


def test_the_examples_are_enough_of_each_kind() -> None:
    assert len(CORRECTIONS) >= 20
    assert len(REPLACEMENTS) >= 20


def test_words_ignore_case_accents_signs_and_particles() -> None:
    assert names.words("María  de los Ángeles O'Neil-Núñez") == [
        "maria",
        "angeles",
        "oneil",
        "nunez",
    ]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("jhon", "john", 1),  # one swap of neighbours, not two substitutions
        ("byron", "bayron", 1),
        ("cristhian", "christian", 2),
        ("monica", "veronica", 3),
        ("", "ana", 3),
    ],
)
def test_slips_count_typing_mistakes(a: str, b: str, expected: int) -> None:
    assert names.slips(a, b) == expected


def test_allowed_slips_grow_with_the_word() -> None:
    assert names.allowed_slips("al", "el") == 0
    assert names.allowed_slips("ana", "ada") == 1
    assert names.allowed_slips("andrade", "andrada") == 1
    assert names.allowed_slips("jaramillo", "jaramilo") == 2


def test_a_name_with_too_many_words_must_be_equal_or_written_together() -> None:
    old = "Ana Bea Cira Dora Elsa Fina Gala Hilda Irma"
    assert names.is_correction(old, "IRMA HILDA GALA FINA ELSA DORA CIRA BEA ANA")
    assert not names.is_correction(old, "Ana Bea Cira Dora Elsa Fina Gala Hilda Irene")


# R-HARD-5: the name given at registration is a second baseline ---------------------------------

# (registered, current, new): each save is a correction of the name before it, but the last is
# not one of the registered name.
STEPPED_REPLACEMENTS = [
    ("Ana Torres", "Ana Torres Carlos Mendoza", "Carlos Mendoza"),
    ("Luis Mora", "Luis Alberto Mora Vera", "Alberto Vera"),
    ("Jenny Macias", "Jenny Macías Loor Zambrano", "Loor Zambrano"),
]

# (registered, current, new): corrections reached in two saves.
STEPPED_CORRECTIONS = [
    ("Jose Perez", "José Perez", "José Pérez"),
    ("Jhon Zambrano", "John Zambrano", "John Zambrano Vera"),
    ("Carlos Andrade", "Carlos Andrade Cevallos", "Carlos Andrade"),
]


@pytest.mark.parametrize(("registered", "current", "new"), STEPPED_REPLACEMENTS)
def test_a_replacement_reached_in_two_saves_is_refused_r_hard_5(
    registered: str, current: str, new: str
) -> None:
    # Each step alone passes the rule of R-MOD-3: that is the attack.
    assert names.is_correction(registered, current)
    assert names.is_correction(current, new)
    assert not names.is_allowed_change(registered, current, new)


@pytest.mark.parametrize(("registered", "current", "new"), STEPPED_CORRECTIONS)
def test_a_correction_in_two_saves_is_allowed_r_hard_5(
    registered: str, current: str, new: str
) -> None:
    assert names.is_allowed_change(registered, registered, current)
    assert names.is_allowed_change(registered, current, new)


def test_a_change_must_be_a_correction_of_the_current_name_too_r_hard_5() -> None:
    # Close to the registered name but a replacement of the current one is still refused.
    assert not names.is_allowed_change("Ana Torres", "Carlos Mendoza", "Ana Torres Mendoza")
