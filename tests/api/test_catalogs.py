"""Catalogue routes (R-CAT-1, R-REG-5, R-REG-8, R-REG-2 document types), through the API."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

from tests.helpers import ROOT, call

CACHE = "public, max-age=86400"

# Cantons per province, as chalicelib/data/README.md records them from INEC's DPA.
CANTONS_PER_PROVINCE = {
    "Azuay": 15,
    "Bolívar": 7,
    "Cañar": 7,
    "Carchi": 6,
    "Cotopaxi": 7,
    "Chimborazo": 10,
    "El Oro": 14,
    "Esmeraldas": 7,
    "Guayas": 25,
    "Imbabura": 6,
    "Loja": 16,
    "Los Ríos": 13,
    "Manabí": 22,
    "Morona Santiago": 12,
    "Napo": 5,
    "Pastaza": 4,
    "Pichincha": 8,
    "Tungurahua": 9,
    "Zamora Chinchipe": 9,
    "Galápagos": 3,
    "Sucumbíos": 7,
    "Orellana": 4,
    "Santo Domingo de los Tsáchilas": 2,
    "Santa Elena": 3,
}


def get_items(client: Any, path: str) -> list[dict[str, str]]:
    answer = call(client, "GET", path)
    assert answer.status == 200, answer.body
    assert answer.headers["Cache-Control"] == CACHE
    assert answer.headers["Content-Type"].startswith("application/json")
    assert set(answer.body) == {"items"}
    assert all(set(item) == {"code", "name"} for item in answer.body["items"])
    return answer.body["items"]


def test_countries_are_249_in_alpha_2_order_with_spanish_names(client: Any) -> None:
    items = get_items(client, "/v1/catalogs/countries")
    codes = [item["code"] for item in items]
    assert len(items) == 249
    assert codes == sorted(codes)
    assert len(set(codes)) == 249
    assert all(len(code) == 2 and code.isupper() for code in codes)
    assert {"code": "EC", "name": "Ecuador"} in items
    assert {"code": "DE", "name": "Alemania"} in items


def test_countries_start_as_the_seed_lists_them(client: Any) -> None:
    """Seed 000 §5.3 lists these ten; it spells "Anguilla", pycountry's Spanish "Anguila"."""
    names = [item["name"] for item in get_items(client, "/v1/catalogs/countries")[:10]]
    assert names == [
        "Andorra",
        "Emiratos Árabes Unidos",
        "Afganistán",
        "Antigua y Barbuda",
        "Anguila",
        "Albania",
        "Armenia",
        "Angola",
        "Antártida",
        "Argentina",
    ]


def test_country_file_is_what_the_build_script_generates() -> None:
    spec = importlib.util.spec_from_file_location(
        "build_countries", ROOT / "scripts" / "build_countries.py"
    )
    assert spec and spec.loader
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    committed = (ROOT / "chalicelib" / "data" / "countries.json").read_text(encoding="utf-8")
    assert committed == script.render()


def test_provinces_are_the_24_of_ecuador_in_inec_code_order(client: Any) -> None:
    items = get_items(client, "/v1/catalogs/provinces")
    assert [item["code"] for item in items] == [f"{n:02d}" for n in range(1, 25)]
    assert [item["name"] for item in items][:10] == [
        "Azuay",
        "Bolívar",
        "Cañar",
        "Carchi",
        "Cotopaxi",
        "Chimborazo",
        "El Oro",
        "Esmeraldas",
        "Guayas",
        "Imbabura",
    ]
    assert [item["name"] for item in items] == list(CANTONS_PER_PROVINCE)


# Parishes the portal lists among the cities (R-REG-5): code -> the canton they belong to.
PARISHES = {"0901CHONGON": "0901"}


def test_every_province_has_its_cantons_221_in_total(client: Any) -> None:
    total = 0
    for province in get_items(client, "/v1/catalogs/provinces"):
        cities = get_items(client, f"/v1/catalogs/provinces/{province['code']}/cities")
        codes = [city["code"] for city in cities]
        cantons = [code for code in codes if code not in PARISHES]
        assert len(cantons) == CANTONS_PER_PROVINCE[province["name"]], province
        assert codes == sorted(codes)
        assert all(len(code) == 4 and code.startswith(province["code"]) for code in cantons)
        assert all(PARISHES[code] in cantons for code in codes if code in PARISHES)
        total += len(cantons)
    assert total == 221


def test_the_seeds_names_of_guayas_are_found_r_reg_5(client: Any) -> None:
    """Seed 001 lists «Eloy Alfaro» and «Chongón» under Guayas; INEC names 0907 «Eloy Alfaro
    (Durán)»: a search for either name finds it, and Chongón is offered as Guayaquil's parish."""
    names = {c["name"]: c["code"] for c in get_items(client, "/v1/catalogs/provinces/09/cities")}
    assert names["Eloy Alfaro (Durán)"] == "0907"
    assert names["Chongón (Guayaquil)"] == "0901CHONGON"
    for typed in ("Eloy Alfaro", "Durán", "Chongón"):
        assert any(typed in name for name in names), typed


def test_guayas_cities_include_guayaquil_as_0901(client: Any) -> None:
    cities = get_items(client, "/v1/catalogs/provinces/09/cities")
    assert cities[0] == {"code": "0901", "name": "Guayaquil"}
    assert {"code": "1701", "name": "Quito"} in get_items(
        client, "/v1/catalogs/provinces/17/cities"
    )


@pytest.mark.parametrize("code", ["99", "00", "9", "Guayas", "090", "%20"])
def test_unknown_province_is_404_in_the_error_shape(client: Any, code: str) -> None:
    answer = call(client, "GET", f"/v1/catalogs/provinces/{code}/cities")
    assert answer.status == 404
    assert set(answer.body) == {"error"}
    assert answer.error["code"] == "NOT_FOUND"
    assert answer.error["message"]


def test_mobile_operators_are_exactly_those_of_api_md(client: Any) -> None:
    assert get_items(client, "/v1/catalogs/mobile-operators") == [
        {"code": "CLARO", "name": "Claro"},
        {"code": "MOVISTAR", "name": "Movistar"},
        {"code": "CNT", "name": "Cnt"},
        {"code": "TUENTI", "name": "Tuenti"},
        {"code": "OTROS", "name": "OTROS"},
    ]


def test_document_types_are_exactly_those_of_api_md(client: Any) -> None:
    assert get_items(client, "/v1/catalogs/document-types") == [
        {"code": "RUC", "name": "RUC"},
        {"code": "CEDULA", "name": "Cédula de Identidad"},
        {"code": "PASAPORTE", "name": "Pasaporte"},
    ]


def test_a_listed_parish_is_a_valid_city_of_its_province_r_reg_5() -> None:
    from chalicelib.domain.fields import check_location

    assert check_location("EC", "09", "0901CHONGON") == {}
    assert "city" in check_location("EC", "17", "0901CHONGON")
