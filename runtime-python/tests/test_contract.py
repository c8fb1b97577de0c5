"""The Python names are the construct's: read from src/contract.ts itself, so they cannot drift."""

import re

from conftest import REPO
from secure_lambda_postgres_runtime import DB_AUTH_MODES, ENV


def _ts_constants(name: str) -> dict[str, str]:
    source = (REPO / "src/contract.ts").read_text()
    block = re.search(rf"export const {name} = \{{(.*?)\}} as const;", source, re.S)
    assert block, f"{name} not found in src/contract.ts"
    return dict(re.findall(r"^\s*([A-Z_]+): '([^']*)',", block.group(1), re.M))


def _py_constants(cls) -> dict[str, str]:
    return {k: v for k, v in vars(cls).items() if k.isupper()}


def test_env_names_are_the_function_contract_of_src_contract_ts():
    ts = {k: v for k, v in _ts_constants("ENV").items() if not k.startswith("MIGRATION_")}
    assert len(ts) >= 13
    assert _py_constants(ENV) == ts


def test_auth_modes_match_src_contract_ts():
    assert _py_constants(DB_AUTH_MODES) == _ts_constants("DB_AUTH_MODES")
