"""The project's own FOCUS checks (sql/checks/, run after every consolidation) catch what the FinOps
validator cannot: a bad value in one row among valid ones, "unless Correction" rules on ordinary
rows, and the link between the Cost and Usage and Contract Commitment datasets."""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest

from genai_costs.conformance import CheckResult, run_conformance_checks
from genai_costs.warehouse.duckdb_backend import DuckDBWarehouse

# One worker runs these files: the pipeline run they share (a session fixture) is run once.
pytestmark = pytest.mark.xdist_group("focus_run")

FOCUS = "cost_data_standard_1_3"
CCT = "contract_commitment_1_3"
ONE_USAGE_ROW = f"(SELECT x_CostId FROM {FOCUS} WHERE ChargeCategory = 'Usage' AND CommitmentDiscountId IS NULL "
ONE_USAGE_ROW += "ORDER BY x_CostId LIMIT 1)"
ONE_USED_ROW = f"(SELECT x_CostId FROM {FOCUS} WHERE CommitmentDiscountStatus = 'Used' ORDER BY x_CostId LIMIT 1)"
UNPRICED_LOOKING = (
    "SkuPriceId = NULL, SkuPriceDetails = NULL, ListUnitPrice = NULL, ContractedUnitPrice = NULL, "
    "PricingCurrencyListUnitPrice = NULL, PricingCurrencyContractedUnitPrice = NULL, PricingQuantity = NULL, "
    "PricingUnit = NULL, PricingCategory = NULL, ConsumedQuantity = NULL, ConsumedUnit = NULL"
)


def checks_after(focus_run, tmp_path, *seed: str) -> dict[str, CheckResult]:
    """Each check's result on a copy of the pipeline's warehouse after the ``seed`` statements."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(focus_run.warehouse_file, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute(f"SET schema = '{focus_run.dataset}'")
        for statement in seed:
            con.execute(statement)
    warehouse = DuckDBWarehouse(copy)
    try:
        return {r.name: r for r in run_conformance_checks(warehouse, focus_run.dataset, focus_run.window)}
    finally:
        warehouse.close()


def test_the_pipeline_output_passes_every_check(focus_run, tmp_path):
    results = checks_after(focus_run, tmp_path)
    assert {"focus_required_unless_correction", "focus_contract_applied_links"} <= results.keys()
    assert {name: r.sample for name, r in results.items() if r.violations} == {}


def json_literal(value: dict) -> str:
    return "'" + json.dumps(value).replace("'", "''") + "'"


def contract_applied(commitment_id: str, **applied) -> str:
    return json_literal({"Elements": [{"ContractId": commitment_id, "ContractCommitmentId": commitment_id, **applied}]})


USED_ROW_COMMITMENT = f"(SELECT CommitmentDiscountId FROM {FOCUS} WHERE x_CostId = {ONE_USED_ROW})"


@pytest.mark.parametrize(
    ("check", "seed", "violation"),
    [
        pytest.param(
            "focus_required_unless_correction",
            f"UPDATE {FOCUS} SET {UNPRICED_LOOKING} WHERE x_CostId = {ONE_USAGE_ROW}",
            "SkuPriceId (SkuPriceId-C-005-C) is null",
            id="usage-row-without-SkuPriceId",
        ),
        pytest.param(
            "focus_required_unless_correction",
            f"UPDATE {FOCUS} SET CommitmentDiscountQuantity = NULL, CommitmentDiscountUnit = NULL "
            f"WHERE x_CostId = {ONE_USED_ROW}",
            "CommitmentDiscountQuantity (CommitmentDiscountQuantity-C-005-C) is null",
            id="commitment-usage-without-quantity",
        ),
        pytest.param(
            "focus_contract_commitment_conformance",
            f"UPDATE {CCT} SET ContractCommitmentCategory = 'Committed' "
            f"WHERE ContractCommitmentId = (SELECT MIN(ContractCommitmentId) FROM {CCT})",
            "ContractCommitmentCategory not allowed",
            id="one-bad-category-among-valid-ones",
        ),
        pytest.param(
            "focus_contract_commitment_conformance",
            f"INSERT INTO {CCT} SELECT * REPLACE ('another-contract' AS ContractId) FROM {CCT} LIMIT 1",
            "ContractCommitmentId not unique",
            id="commitment-under-two-contracts",
        ),
        pytest.param(
            "focus_contract_applied_links",
            f"UPDATE {FOCUS} SET ContractApplied = {contract_applied('nonexistent', ContractCommitmentAppliedCost=1)}"
            f" WHERE x_CostId = {ONE_USED_ROW}",
            "names a commitment missing from contract_commitment_1_3",
            id="unknown-commitment",
        ),
        pytest.param(
            "focus_contract_applied_links",
            f"UPDATE {FOCUS} SET ContractApplied = "
            f"REPLACE({contract_applied('ID', ContractCommitmentAppliedQuantity=2)}, 'ID', {USED_ROW_COMMITMENT})"
            f" WHERE x_CostId = {ONE_USED_ROW}",
            "ContractCommitmentAppliedUnit null iff quantity null",
            id="applied-quantity-without-unit",
        ),
        pytest.param(
            "focus_sku_price_details_keys",
            f"UPDATE {FOCUS} SET SkuPriceDetails = {json_literal({'ModelId': 'gpt-4o', 'GpuCount': 1})} "
            f"WHERE x_CostId = {ONE_USAGE_ROW}",
            "SkuPriceDetails key ModelId is neither FOCUS-defined nor x_-prefixed",
            id="custom-key-without-x_",
        ),
    ],
)
def test_a_seeded_violation_is_caught(focus_run, tmp_path, check, seed, violation):
    result = checks_after(focus_run, tmp_path, seed)[check]
    assert result.violations >= 1 and violation in result.sample


def test_corrections_may_lack_sku_and_price(focus_run, tmp_path):
    """The same row as a correction to an invoiced period is allowed to carry no SkuPriceId."""
    seeded = f"UPDATE {FOCUS} SET {UNPRICED_LOOKING}, ChargeClass = 'Correction' WHERE x_CostId = {ONE_USAGE_ROW}"
    assert checks_after(focus_run, tmp_path, seeded)["focus_required_unless_correction"].violations == 0


def test_a_foundation_defined_key_is_not_flagged(focus_run, tmp_path):
    details = json_literal({"GpuCount": 1, "x_ModelId": "gpt-4o"})
    seeded = f"UPDATE {FOCUS} SET SkuPriceDetails = {details} WHERE x_CostId = {ONE_USAGE_ROW}"
    assert checks_after(focus_run, tmp_path, seeded)["focus_sku_price_details_keys"].violations == 0
