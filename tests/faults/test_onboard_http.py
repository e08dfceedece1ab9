"""Class 6 of issue 10, the onboarding HTTP function: POST only (405 naming the allowed method), bounded
JSON depth and size (400 / 413 with a message that says what is wrong, nothing created), and two
onboardings of a new organization at once both succeed or say it was already done: never a 500 or a
raw engine error. The limits live in the shared HTTP handler, so every HTTP function has them.
"""

from __future__ import annotations

import threading

import pytest

from .edge_support import count_rows, function_client

ORG = "acme"


def not_created(org: str = ORG) -> bool:
    try:
        count_rows(org, "llm_model_pricing")
    except Exception as exc:
        return f"{org}_prod" in str(exc)
    return False


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_only_post_onboards(method):
    response = function_client("onboard", "http").open("/", method=method, json={"org_slug": ORG})
    assert response.status_code == 405 and response.headers["Allow"] == "POST"
    assert "POST" in response.get_json()["error"]
    assert not_created()


def test_deeply_nested_json_is_a_clear_400():
    body = '{"org_slug": "acme", "x": ' + "[" * 50_000 + "]" * 50_000 + "}"
    response = function_client("onboard", "http").post("/", data=body, content_type="application/json")
    assert response.status_code == 400 and "nested" in response.get_json()["error"]
    assert not_created()


def test_an_oversized_body_is_a_413():
    body = '{"org_slug": "acme", "pad": "' + "x" * 2_000_000 + '"}'
    response = function_client("onboard", "http").post("/", data=body, content_type="application/json")
    assert response.status_code == 413 and "bytes" in response.get_json()["error"]
    assert not_created()


@pytest.mark.parametrize("body", ["not json", "[1, 2]", '{"org_slug": "acme"'])
def test_a_body_that_is_not_a_json_object_is_a_400(body):
    response = function_client("onboard", "http").post("/", data=body, content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"]
    assert not_created()


def test_two_concurrent_onboardings_of_a_new_org_are_idempotent():
    app = function_client("onboard", "http")
    barrier, answers = threading.Barrier(3), []

    def onboard() -> None:
        barrier.wait()
        response = app.application.test_client().post("/", json={"org_slug": ORG})
        answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=onboard) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert [status for status, _ in answers] == [200, 200, 200], answers
    assert sorted(body["dataset_created"] for _, body in answers) == [False, False, True]
    totals = {str(body["seed_rows_total"]) for _, body in answers}
    assert len(totals) == 1  # every answer sees the same, complete catalog
    assert sum(body["seed_rows_inserted"]["llm_model_pricing"] for _, body in answers) == count_rows(
        ORG, "llm_model_pricing"
    )
